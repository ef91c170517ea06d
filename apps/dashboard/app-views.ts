// An app's pages: its frame and tabs, the overview (the model, the actions, the newest build),
// releases, builds, config vars, resources, logs and activity.
import { LIFECYCLE_STEPS } from "../../platform/lib/plan-contract.ts";
import { seg } from "./api.ts";
import { type Html, html } from "./html.ts";
import type { Addon, App, AppStateDetail, AuditEntry, Build, Collaborator, Domain, Formation, FormationPlanResource, Release } from "./resources.ts";
import { appPath, badge, live, pollEvery, time } from "./views.ts";


const APP_TABS: [string, string][] = [
  ["", "Overview"],
  ["/releases", "Releases"],
  ["/builds", "Builds"],
  ["/config", "Config vars"],
  ["/resources", "Resources"],
  ["/logs", "Logs"],
  ["/activity", "Activity"],
];

export function appFrame(app: App, current: string, body: Html): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Apps</a> / <span>${app.name}</span></nav>
<h1>${app.name}</h1>
<p class="meta"><a href="${app.web_url}">${app.web_url}</a> · owner ${app.owner.email} · ${app.stack.name}${app.buildpack_provided_description ? html` · ${app.buildpack_provided_description}` : ""}${app.maintenance ? html` · <strong>maintenance on</strong>` : ""}</p>
<nav class="tabs" aria-label="${app.name}">
${APP_TABS.map(([path, label]) => html`<a href="${appPath(app.name, path)}"${path === current ? html` aria-current="page"` : ""}>${label}</a>`)}
</nav>
${body}`;
}

/** The overview: the model side by side, the scale controls, and the newest build. */
export function overview(app: App, state: AppStateDetail, formation: Formation[], build: Build | undefined, canChange: boolean): Html {
  return html`${live("model", appPath(app.name, "/fragments/model"), pollEvery(state.state), model(state))}
${canChange ? actions(app, formation) : html`<p class="muted">This key is read-only: scaling, restarting and rolling back need a key of scope global.</p>`}
${live("build", appPath(app.name, "/fragments/build"), 1000, buildPanel(app.name, build), buildKey(build))}`;
}

function actions(app: App, formation: Formation[]): Html {
  return html`<section aria-labelledby="scale-title">
  <h2 id="scale-title">Scale and restart</h2>
  ${formation.length === 0
    ? html`<p class="muted">No process types yet: push the app first.</p>`
    : html`<div class="scale">${formation.map(
        (f) => html`<form method="post" action="${appPath(app.name, "/formation")}" data-confirm="Scale ${f.type} to {quantity} ${f.size} dynos?">
      <input type="hidden" name="type" value="${f.type}">
      <label for="scale-${f.type}">${f.type}</label>
      <input id="scale-${f.type}" name="quantity" type="number" min="0" max="100" value="${f.quantity}" inputmode="numeric" required>
      <button type="submit">Scale ${f.type}</button>
    </form>`,
      )}</div>`}
  <form method="post" action="${appPath(app.name, "/restart")}" data-confirm="Restart every dyno of ${app.name}?">
    <button type="submit">Restart all dynos</button>
  </form>
</section>`;
}

export const buildKey = (build: Build | undefined) => (build ? `${build.id}:${build.status}` : "none");

export function buildPanel(app: string, build: Build | undefined): Html {
  if (!build) return html`<h2>Newest build</h2><p class="muted">No build yet. Push with <code>git push</code> and its output shows here as it runs.</p>`;
  return html`<h2>Newest build <span class="build-status ${build.status}">${build.status}</span></h2>
<p class="meta">${build.source_blob.version?.slice(0, 8) ?? build.id.slice(0, 8)} by ${build.user.email}, ${time(build.created_at)} · <a href="${appPath(app, `/builds/${build.id}`)}">its page</a></p>
${output(appPath(app, `/builds/${build.id}/output`), `Output of build ${build.id.slice(0, 8)}`)}`;
}

/** Text that streams in from `url` (dashboard.js), with a link for a browser without scripts. */
function output(url: string, label: string, follow = false): Html {
  return html`<pre class="output" data-stream="${url}"${follow ? html` data-follow="yes"` : ""} tabindex="0" aria-label="${label}" aria-live="off"><a href="${url}">Open the output</a></pre>`;
}

export function model(state: AppStateDetail): Html {
  const plan = state.plan;
  // A dyno started but not yet up is still a difference from the desired model: shown in the
  // delta, and its lifecycle steps as the plan's running part.
  const booting = plan.live.filter((d) => d.state === "starting");
  const up = new Set(plan.live.filter((d) => d.state === "up").map((d) => `${d.name}@${d.release}`));
  const changing = new Set([...plan.delta.map((d) => d.dyno), ...plan.desired.dynos.filter((d) => !up.has(`${d.name}@${d.release}`)).map((d) => d.name)]);
  return html`<section aria-labelledby="model-title">
  <h2 id="model-title">Model <span role="status">${badge(state.state)}</span></h2>
  <p class="meta">${plan.desired.release === null ? "Not deployed yet" : `Release v${plan.desired.release}`} · strategy ${plan.strategy.name}${plan.strategy.name === "rolling" ? ` (batches of ${plan.strategy.batch})` : ""} · ${state.dynos.up}/${state.dynos.total} up${state.newest?.status === "failed" ? html` · <span class="crashed">v${state.newest.version} failed: ${state.newest.failure_message ?? "see the logs"}</span>` : ""}</p>
  <div class="model">
    <div class="side">
      <h3>Desired</h3>
      <table><caption class="sr">Desired dynos</caption><thead><tr><th scope="col">Dyno</th><th scope="col">Release</th><th scope="col">Size</th></tr></thead><tbody>
      ${plan.desired.dynos.length === 0 ? html`<tr><td colspan="3" class="muted">none</td></tr>` : ""}
      ${plan.desired.dynos.map((d) => html`<tr${changing.has(d.name) ? html` class="changing"` : ""}><td>${d.name}</td><td>v${d.release}</td><td>${d.size}</td></tr>`)}
      </tbody></table>
    </div>
    <div class="side">
      <h3>Live</h3>
      <table><caption class="sr">Live dynos</caption><thead><tr><th scope="col">Dyno</th><th scope="col">Release</th><th scope="col">Size</th><th scope="col">State</th><th scope="col">Since</th></tr></thead><tbody>
      ${plan.live.length === 0 ? html`<tr><td colspan="5" class="muted">none</td></tr>` : ""}
      ${plan.live.map(
        (d) => html`<tr class="dyno-${d.state}"><td>${d.name}</td><td>v${d.release}</td><td>${d.size}</td><td><span class="state ${d.state}">${d.state}</span></td><td>${clock(d.since)}</td></tr>`,
      )}
      </tbody></table>
    </div>
  </div>
  <div class="model">
    <div class="side delta">
      <h3>Delta</h3>
      ${plan.delta.length === 0 && booting.length === 0
        ? html`<p class="muted">None: live equals desired.</p>`
        : html`<ul>
        ${plan.delta.map((d) => html`<li class="delta-${d.kind}"><strong>${d.kind}</strong> ${d.dyno} (v${d.release}): ${d.reason}</li>`)}
        ${booting.map((d) => html`<li class="delta-booting"><strong>booting</strong> ${d.name} (v${d.release}): started, up once it accepts connections</li>`)}
        </ul>`}
    </div>
    <div class="side plan">
      <h3>Plan</h3>
      ${plan.plan.length === 0 && booting.length === 0 ? html`<p class="muted">Nothing to do.</p>` : ""}
      ${plan.plan.length === 0
        ? ""
        : html`<ol class="phases">${plan.plan.map(
            (phase) => html`<li>${phase.map((step, i) => html`${i > 0 ? ", " : ""}<span class="step-${step.kind}">${step.kind} ${step.dyno} v${step.release}</span>`)}</li>`,
          )}</ol>`}
      ${booting.length === 0
        ? ""
        : html`<ul class="running">${booting.map((d) => html`<li>${d.name}: ${lifecycle(d.steps)}</li>`)}</ul>`}
    </div>
  </div>
</section>`;
}

export function releases(app: string, list: Release[], canChange: boolean): Html {
  return live("releases", appPath(app, "/fragments/releases"), 4000, releasesTable(app, list, canChange));
}

export function releasesTable(app: string, list: Release[], canChange: boolean): Html {
  const newestFirst = [...list].sort((a, b) => b.version - a.version);
  return html`<h2>Releases</h2>
<div class="scroll"><table>
<thead><tr><th scope="col">Version</th><th scope="col">Description</th><th scope="col">By</th><th scope="col">When</th><th scope="col">Status</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>
${newestFirst.map(
  (r) => html`<tr${r.current ? html` class="current"` : ""} data-version="${r.version}">
  <td>v${r.version}${r.current ? html` <span class="badge converged">current</span>` : ""}</td>
  <td>${r.description}${r.failure_message ? html`<br><span class="crashed">${r.failure_message}</span>` : ""}</td>
  <td>${r.user.email || "Ouro"}</td>
  <td>${time(r.created_at)}</td>
  <td>${r.status}${r.output_stream_url ? html` · <a href="${appPath(app, `/releases/${r.version}/output`)}">release phase output</a>` : ""}</td>
  <td>${canChange && !r.current && r.eligible_for_rollback
    ? html`<form method="post" action="${appPath(app, "/rollback")}" data-confirm="Roll ${app} back to v${r.version}? A new release runs v${r.version}'s code and config.">
      <input type="hidden" name="release" value="${r.version}"><button type="submit">Roll back to v${r.version}</button></form>`
    : ""}</td>
</tr>`,
)}
</tbody></table></div>`;
}

export function builds(app: string, list: Build[]): Html {
  const newestFirst = [...list].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return html`<h2>Builds</h2>
${newestFirst.length === 0 ? html`<p class="muted">No builds yet.</p>` : ""}
<div class="scroll"><table>
<thead><tr><th scope="col">Build</th><th scope="col">Status</th><th scope="col">By</th><th scope="col">Started</th><th scope="col">Took</th></tr></thead>
<tbody>
${newestFirst.map(
  (b) => html`<tr><td><a href="${appPath(app, `/builds/${b.id}`)}">${b.source_blob.version?.slice(0, 8) ?? b.id.slice(0, 8)}</a></td>
  <td><span class="build-status ${b.status}">${b.status}</span>${b.failure_message ? html`<br><span class="crashed">${b.failure_message}</span>` : ""}</td>
  <td>${b.user.email}</td><td>${time(b.created_at)}</td><td>${b.status === "pending" ? "running" : duration(b.created_at, b.updated_at)}</td></tr>`,
)}
</tbody></table></div>`;
}

export function buildPage(app: string, build: Build): Html {
  return html`<h2>Build ${build.source_blob.version?.slice(0, 8) ?? build.id.slice(0, 8)} <span class="build-status ${build.status}">${build.status}</span></h2>
<p class="meta">by ${build.user.email}, ${time(build.created_at)}${build.status === "pending" ? "" : `, took ${duration(build.created_at, build.updated_at)}`}</p>
${build.failure_message ? html`<p class="flash error">${build.failure_message}</p>` : ""}
${output(appPath(app, `/builds/${build.id}/output`), `Output of build ${build.id.slice(0, 8)}`)}`;
}

export function releaseOutputPage(app: string, release: Release): Html {
  return html`<h2>Release phase of v${release.version}</h2>
${output(appPath(app, `/releases/${release.version}/output/stream`), `Release phase output of v${release.version}`)}`;
}

/** Config vars by name; a value only when the user asked for it (`revealed`). */
export function config(app: string, vars: Record<string, string>, revealed?: string): Html {
  const names = Object.keys(vars).sort();
  return html`<h2>Config vars</h2>
<p class="meta">Values stay hidden until you ask for one. Set them with <code>npx ouro config:set NAME=value -a ${app}</code>.</p>
${names.length === 0 ? html`<p class="muted">None.</p>` : ""}
<dl class="config">
${names.map(
  (name) => html`<div><dt>${name}</dt><dd>${name === revealed
    ? html`<code class="value">${vars[name]}</code>`
    : html`<span class="value hidden-value" aria-label="hidden">••••••••</span>
      <form method="get" action="${appPath(app, "/config")}" class="reveal" data-reveal="${appPath(app, `/config/${seg(name)}`)}">
        <input type="hidden" name="reveal" value="${name}"><button type="submit">Reveal<span class="sr"> ${name}</span></button></form>`}</dd></div>`,
)}
</dl>`;
}

export function resources(app: string, addons: Addon[], domains: Domain[], collaborators: Collaborator[]): Html {
  return html`<h2>Add-ons</h2>
${addons.length === 0 ? html`<p class="muted">None. Add one with <code>npx ouro addons:create heroku-postgresql -a ${app}</code>.</p>` : ""}
<ul class="plain">${addons.map((a) => html`<li><strong>${a.name}</strong> ${a.addon_service.name}:${a.plan.name} · ${a.state} · sets ${a.config_vars.join(", ")}</li>`)}</ul>
<h2>Domains</h2>
${domains.length === 0 ? html`<p class="muted">None besides the app's own.</p>` : ""}
<ul class="plain">${domains.map((d) => html`<li><strong>${d.hostname}</strong> → ${d.cname}${d.sni_endpoint ? html` · certificate ${d.sni_endpoint.name}` : ""}</li>`)}</ul>
<h2>Collaborators</h2>
${collaborators.length === 0 ? html`<p class="muted">None: only the owner.</p>` : ""}
<ul class="plain">${collaborators.map((c) => html`<li>${c.user.email}${c.role ? html` · ${c.role}` : ""} · since ${time(c.created_at)}</li>`)}</ul>`;
}

// Where a line comes from: the app's dynos, the router (a line per request), Ouro (releases, scales, crashes).
export const LOG_SOURCES = ["app", "router", "ouro"];

export function logs(app: string, filter: { source?: string; dyno?: string }): Html {
  const query = new URLSearchParams();
  if (filter.source) query.set("source", filter.source);
  if (filter.dyno) query.set("dyno", filter.dyno);
  return html`<h2>Logs</h2>
<form method="get" action="${appPath(app, "/logs")}" class="filters">
  <label for="source">Source</label>
  <select id="source" name="source"><option value="">all</option>${LOG_SOURCES.map((s) => html`<option${s === filter.source ? html` selected` : ""}>${s}</option>`)}</select>
  <label for="dyno">Dyno</label>
  <input id="dyno" name="dyno" value="${filter.dyno ?? ""}" placeholder="web.1, web, router…" size="10">
  <button type="submit">Tail</button>
</form>
${output(appPath(app, `/logs/stream?${query}`), `Live log of ${app}`, true)}`;
}

export function activity(entries: AuditEntry[]): Html {
  return html`<h2>Activity</h2>
${entries.length === 0 ? html`<p class="muted">Nothing yet.</p>` : ""}
<div class="scroll"><table>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
<tbody>${entries.map(
  (e) => html`<tr><td>${time(e.created_at)}</td><td>${e.actor.email}${e.address ? html`<br><span class="muted">${e.address}</span>` : ""}</td><td>${e.action}</td><td><code>${JSON.stringify(e.detail)}</code></td></tr>`,
)}</tbody></table></div>`;
}

/** A dyno's lifecycle steps so far: each done one with how long it took, the last one under way. */
function lifecycle(steps: FormationPlanResource["live"][number]["steps"]): Html {
  const begun = LIFECYCLE_STEPS.filter((step) => steps[step]);
  if (begun.length === 0) return html`<span class="muted">waiting</span>`;
  return html`${begun.map((step, i) => {
    const ms = steps[step]!.ms;
    return html`${i > 0 ? " → " : ""}<span class="step-${step}">${step} ${ms === undefined ? "…" : `✓ ${ms} ms`}</span>`;
  })}`;
}

/** An ISO time as its UTC time of day, the date in its title: narrow enough for a phone's table. */
function clock(iso: string): Html {
  const at = new Date(iso).toISOString();
  return html`<time datetime="${at}" title="${at.slice(0, 10)} UTC">${at.slice(11, 19)}</time>`;
}

function duration(from: string, to: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
