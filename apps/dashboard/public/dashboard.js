// The dashboard's one script, progressive: every page works without it. With it, live regions
// ask the server again as the app moves (not while the tab is hidden, and less often while the
// server refuses), output streams flow into their <pre>, actions ask for confirmation and post
// in place, and a config value is fetched only when its Reveal button is pressed.
"use strict";
(() => {
  const signIn = () => location.assign("/sign-in");
  const get = (url, signal) => fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html, text/plain" }, signal });

  /** The text each live region shows, as the server sent it. */
  const shown = new WeakMap();
  /** Each live region's "ask now", for after an action. */
  const refreshers = [];
  /** The streams running in each <pre>, to stop when a region replaces it. */
  const streams = new WeakMap();

  function watch(region) {
    let timer;
    let asking = false;
    let failures = 0;
    const again = (ms) => {
      clearTimeout(timer);
      timer = setTimeout(tick, ms ?? (Number(region.dataset.every) || 5000));
    };
    refreshers.push(() => tick());
    async function tick() {
      // One question at a time: an action's refresh while one is out waits for its answer.
      if (asking) return;
      if (document.hidden) return again();
      asking = true;
      try {
        const response = await get(region.dataset.live);
        if (response.status === 401) return signIn();
        if (!response.ok) {
          // Refused (the API's rate limit among others): ask less often, as the server says or doubling to a minute.
          failures += 1;
          region.classList.add("stale");
          const retry = Number(response.headers.get("Retry-After")) * 1000;
          return again(retry > 0 ? retry : Math.min(60_000, (Number(region.dataset.every) || 5000) * 2 ** failures));
        }
        failures = 0;
        const every = Number(response.headers.get("Ouro-Poll-Every"));
        if (every > 0) region.dataset.every = String(every);
        const key = response.headers.get("Ouro-Fragment-Key");
        const text = await response.text();
        // A region whose key or text is unchanged is left alone: an output streaming in it goes
        // on, and the keyboard's focus stays where it is.
        if ((key === null || key !== region.dataset.key) && text !== shown.get(region)) {
          if (key !== null) region.dataset.key = key;
          shown.set(region, text);
          region.querySelectorAll("pre[data-stream]").forEach((pre) => streams.get(pre)?.abort());
          region.innerHTML = text;
          region.querySelectorAll("pre[data-stream]").forEach(stream);
        }
        region.classList.remove("stale");
        again();
      } catch {
        failures += 1;
        region.classList.add("stale");
        again(Math.min(60_000, 5000 * 2 ** failures));
      } finally {
        asking = false;
      }
    }
    again();
  }

  async function stream(pre) {
    if (streams.has(pre)) return;
    const abort = new AbortController();
    streams.set(pre, abort);
    try {
      const response = await get(pre.dataset.stream, abort.signal);
      if (response.status === 401) return signIn();
      pre.textContent = "";
      if (!response.ok || !response.body) {
        pre.textContent = `The output could not be opened (${response.status}).`;
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const following = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
        pre.append(value);
        if (following) pre.scrollTop = pre.scrollHeight;
      }
      // A log tail ends when it stays quiet too long for the router: say so, and offer it again.
      if (pre.dataset.follow === "yes" && !abort.signal.aborted) ended(pre);
    } catch {
      if (pre.dataset.follow === "yes" && !abort.signal.aborted) ended(pre);
    }
  }

  function ended(pre) {
    const note = document.createElement("p");
    note.className = "muted";
    note.append("The tail stopped (nothing came for a while). ");
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Tail again";
    again.addEventListener("click", () => {
      note.remove();
      streams.delete(pre);
      stream(pre);
    });
    note.append(again);
    pre.after(note);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.dataset.reveal) {
      event.preventDefault();
      const response = await get(form.dataset.reveal);
      if (response.status === 401) return signIn();
      const value = document.createElement("code");
      value.className = "value";
      value.textContent = response.ok ? await response.text() : `(could not be read: ${response.status})`;
      form.closest("dd").replaceChildren(value);
      return;
    }
    if (form.dataset.confirm) {
      const quantity = form.elements.namedItem("quantity");
      const question = form.dataset.confirm.replace("{quantity}", quantity ? quantity.value : "");
      event.preventDefault();
      if (!window.confirm(question)) return;
      // Posted in place: the page stays, says what Ouro answered, and its live regions ask at once.
      const body = new URLSearchParams(new FormData(form));
      body.set("confirmed", "yes");
      const buttons = form.querySelectorAll("button");
      buttons.forEach((b) => (b.disabled = true));
      try {
        const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
        if (response.status === 401) return signIn();
        say(response.ok ? await response.json() : { kind: "error", text: `The dashboard answered ${response.status}.` });
        refreshers.forEach((refresh) => refresh());
      } catch {
        say({ kind: "error", text: "The dashboard could not be reached." });
      } finally {
        buttons.forEach((b) => (b.disabled = false));
      }
    }
  });

  /** An action's outcome, where the page shows notices (a status region: screen readers say it). */
  function say(outcome) {
    const flash = document.getElementById("flash");
    const p = document.createElement("p");
    p.className = `flash ${outcome.kind === "error" ? "error" : "notice"}`;
    p.textContent = outcome.text;
    flash.replaceChildren(p);
  }

  document.querySelectorAll("[data-live]").forEach(watch);
  document.querySelectorAll("pre[data-stream]").forEach(stream);
})();
