// The dashboard's pages, rendered on the server (an app's own in app-views.ts): each works without
// a script; dashboard.js makes the live regions update, the output streams flow and the
// confirmations ask in place.
import { ASSETS } from "./assets.ts";
import { seg } from "./api.ts";
import { type Html, html } from "./html.ts";
import type { Account, AppStateResource, PlatformStatus } from "./resources.ts";

export const appPath = (app: string, rest = "") => `/apps/${seg(app)}${rest}`;

/** A live region: dashboard.js fetches `url` every `everyMs` and puts what comes in its place. */
export const live = (id: string, url: string, everyMs: number, body: Html, key = "") =>
  html`<div id="${id}" class="live" data-live="${url}" data-every="${everyMs}" data-key="${key}">${body}</div>`;

export function page(opts: { title: string; account?: Account; flash?: { kind: "notice" | "error"; text: string }; body: Html }): Html {
  const { title, account, flash, body } = opts;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Ouro</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS.stylesheet}">
<script src="${ASSETS.script}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="top">
  <a class="brand" href="/">Ouro</a>
  ${account
    ? html`<nav aria-label="Main"><a href="/">Apps</a>${account.admin ? html`<a href="/platform">Platform</a>` : ""}</nav>
  <div class="who"><span>${account.email}</span><form method="post" action="/sign-out"><button type="submit" class="link">Sign out</button></form></div>`
    : ""}
</header>
<main id="main">
<div id="flash" role="status">${flash ? html`<p class="flash ${flash.kind}">${flash.text}</p>` : ""}</div>
${body}
</main>
</body>
</html>`;
}

export function signIn(error?: string): Html {
  return html`<section class="sign-in">
  <h1>Sign in to Ouro</h1>
  <p>Use an API key of yours: <code>npx ouro auth:token</code> prints it. The dashboard keeps it in this browser only, in a cookie no script can read, and forgets it when you sign out.</p>
  ${error ? html`<p class="flash error" role="alert">${error}</p>` : ""}
  <form method="post" action="/sign-in">
    <label for="key">API key</label>
    <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Sign in</button>
  </form>
</section>`;
}

const STATE_TEXT: Record<AppStateResource["state"], string> = {
  converged: "Live as desired",
  converging: "Converging",
  failing: "Failing",
};

export function badge(state: AppStateResource["state"]): Html {
  return html`<span class="badge ${state}" data-state="${state}">${STATE_TEXT[state]}</span>`;
}

/** How often a live region asks again: fast while something moves, slower at rest. */
export const pollEvery = (state: AppStateResource["state"]) => (state === "converging" ? 1000 : 4000);

/** A list of apps is asked for again every second while one converges, else every 5 s. */
export const listEvery = (states: AppStateResource[]) => (states.some((s) => s.state === "converging") ? 1000 : 5000);

export function appsList(states: AppStateResource[]): Html {
  return live("apps", "/fragments/apps", listEvery(states), appsTable(states, "Apps"));
}

export function appsTable(states: AppStateResource[], title: string): Html {
  if (states.length === 0) {
    return html`<h1>${title}</h1><p>No apps yet. Make one with <code>npx ouro apps:create</code>, then <code>git push</code> to it.</p>`;
  }
  return html`<h1>${title}</h1>
<div class="scroll"><table class="apps">
  <thead><tr><th scope="col">App</th><th scope="col">State</th><th scope="col">Release</th><th scope="col">Dynos up</th></tr></thead>
  <tbody>
  ${states.map(
    (s) => html`<tr data-app="${s.app.name}">
    <th scope="row"><a href="${appPath(s.app.name)}">${s.app.name}</a></th>
    <td>${badge(s.state)}</td>
    <td>${releaseText(s)}</td>
    <td><span class="dynos">${s.dynos.up}/${s.dynos.total}</span>${s.dynos.crashed ? html` <span class="crashed">${s.dynos.crashed} crashed</span>` : ""}</td>
  </tr>`,
  )}
  </tbody>
</table></div>`;
}

function releaseText(s: AppStateResource): Html {
  if (!s.current && !s.newest) return html`<span class="muted">never deployed</span>`;
  const current = s.current ? html`v${s.current.version}` : html`<span class="muted">none</span>`;
  if (!s.newest || s.newest.version === s.current?.version) return current;
  return html`${current} <span class="${s.newest.status === "failed" ? "crashed" : "muted"}">(v${s.newest.version} ${s.newest.status === "pending" ? "deploying" : s.newest.status})</span>`;
}

export function platform(status: PlatformStatus, systemApps: AppStateResource[]): Html {
  return live("platform", "/fragments/platform", listEvery(systemApps), platformBody(status, systemApps));
}

export function platformBody(status: PlatformStatus, systemApps: AppStateResource[]): Html {
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return html`<h1>Platform</h1>
${appsTable(systemApps, "System apps")}
<h2>Hosts</h2>
<div class="scroll"><table>
<thead><tr><th scope="col">Host</th><th scope="col">CPU load (1, 5, 15 min)</th><th scope="col">Memory available</th><th scope="col">Disk available</th></tr></thead>
<tbody>${status.hosts.map(
  (h) => html`<tr><td>${h.name}</td><td>${h.load.join(", ")} on ${h.cpus} cores</td><td>${gb(h.memory.available)} of ${gb(h.memory.total)}</td><td>${gb(h.disk.available)} of ${gb(h.disk.total)}</td></tr>`,
)}</tbody></table></div>
<h2>Dynos</h2>
<p>${Object.keys(status.dynos).length === 0 ? "None." : Object.entries(status.dynos).map(([state, count]) => html`<span class="state ${state}">${count} ${state}</span> `)}</p>
<h2>Builder queue</h2>
<h3>Waiting and running</h3>
${status.builds.pending.length === 0 ? html`<p class="muted">No build is waiting or running.</p>` : ""}
<ul class="plain">${status.builds.pending.map((b) => html`<li><a href="${appPath(b.app, `/builds/${b.id}`)}">${b.app} ${b.id.slice(0, 8)}</a> · ${b.running ? "running" : "waiting for a build dyno"} since ${time(b.created_at)}</li>`)}</ul>
<h3>Failed lately</h3>
${status.builds.failed.length === 0 ? html`<p class="muted">None.</p>` : ""}
<ul class="plain">${status.builds.failed.map((b) => html`<li><a href="${appPath(b.app, `/builds/${b.id}`)}">${b.app} ${b.id.slice(0, 8)}</a> · ${time(b.updated_at)} · ${b.failure_message ?? ""}</li>`)}</ul>`;
}

/** Asks before an action, for a browser without scripts (dashboard.js asks in place instead). */
export function confirmation(question: string, action: string, fields: Record<string, string>, back: string): Html {
  return html`<section class="confirm"><h1>Are you sure?</h1><p>${question}</p>
<form method="post" action="${action}">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<input type="hidden" name="confirmed" value="yes">
<button type="submit">Yes, go ahead</button> <a href="${back}">Cancel</a>
</form></section>`;
}

export function problem(title: string, message: string): Html {
  return html`<h1>${title}</h1><p class="flash error" role="alert">${message}</p><p><a href="/">Back to your apps</a></p>`;
}


/** An ISO time as UTC, in a <time> element. */
export function time(iso: string): Html {
  const at = new Date(iso);
  return html`<time datetime="${at.toISOString()}">${at.toISOString().slice(0, 19).replace("T", " ")} UTC</time>`;
}
