// The dashboard's one script, progressive: every page works without it. With it, live regions
// ask the server again as the app moves (and stop asking while the tab is hidden), output
// streams flow into their <pre>, actions ask for confirmation in place, and a config value is
// fetched only when its Reveal button is pressed.
"use strict";
(() => {
  const signIn = () => location.assign("/sign-in");
  const get = (url) => fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html, text/plain" } });

  /** The text each live region shows, as the server sent it. */
  const shown = new WeakMap();
  /** Each live region's "ask now", for after an action. */
  const refreshers = [];

  function watch(region) {
    let timer;
    const again = () => (timer = setTimeout(tick, Number(region.dataset.every) || 5000));
    refreshers.push(() => {
      clearTimeout(timer);
      tick();
    });
    async function tick() {
      if (document.hidden) return again();
      try {
        const response = await get(region.dataset.live);
        if (response.status === 401) return signIn();
        if (!response.ok) throw new Error(String(response.status));
        const every = Number(response.headers.get("Ouro-Poll-Every"));
        if (every > 0) region.dataset.every = String(every);
        const key = response.headers.get("Ouro-Fragment-Key");
        const text = await response.text();
        // A region whose key or text is unchanged is left alone: an output streaming in it goes
        // on, and the keyboard's focus stays where it is.
        if ((key === null || key !== region.dataset.key) && text !== shown.get(region)) {
          if (key !== null) region.dataset.key = key;
          shown.set(region, text);
          region.innerHTML = text;
          region.querySelectorAll("pre[data-stream]").forEach(stream);
        }
        region.classList.remove("stale");
      } catch {
        region.classList.add("stale");
      }
      again();
    }
    again();
  }

  async function stream(pre) {
    if (pre.dataset.started) return;
    pre.dataset.started = "yes";
    try {
      const response = await get(pre.dataset.stream);
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
    } catch {
      // The page is going, or the connection dropped: the text so far stays.
    }
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
        const outcome = response.ok ? await response.json() : { kind: "error", text: `The dashboard answered ${response.status}.` };
        say(outcome);
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
