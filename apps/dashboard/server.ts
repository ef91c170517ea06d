// The dashboard's web process: server-rendered pages over the Platform API, each call made with
// the signed-in user's own key (session.ts), so every page shows and every form does exactly
// what that user may. No state of its own: any web dyno serves any request.
import { pipeline } from "node:stream/promises";
import express, { type NextFunction, type Request, type Response } from "express";
import { type Api, ApiRefusal, createApi, seg } from "./api.ts";
import { PUBLIC_DIR } from "./assets.ts";
import type { Html } from "./html.ts";
import { type Account, type Addon, type App, type AppStateResource, type AuditEntry, type Build, type Collaborator, type Domain, type Formation, type FormationPlanResource, type PlatformStatus, type Release, mayChange } from "./resources.ts";
import { SESSION_COOKIE, SESSION_HOURS, cookie, cookies, seal, unseal } from "./session.ts";
import * as views from "./views.ts";

export interface DashboardOptions {
  /** The Platform API as the dashboard reaches it. */
  apiUrl: string;
  /** Seals the session cookies (OURO_DASHBOARD_SECRET). */
  secret: string;
}

const FLASH_COOKIE = "ouro_flash";
/** How many of an app's newest releases and builds its pages list. */
const LISTED = 50;

/** What a signed-in request carries. */
interface Session {
  api: Api;
  account: Account;
}

type Flash = { kind: "notice" | "error"; text: string };

export function createDashboard(options: DashboardOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("trust proxy", false);

  app.use((_req, res, next) => {
    // Scripts and styles from the dashboard's own files only; no frame may hold it.
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("X-Frame-Options", "DENY");
    next();
  });
  app.use("/assets", express.static(PUBLIC_DIR, { maxAge: "1d", index: false }));
  app.use(express.urlencoded({ extended: false, limit: "16kb" }));
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));

  // A form posted from another site is refused: the cookie is SameSite=Strict already, and the
  // browser's Origin must be this very host.
  app.use((req, _res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      const origin = req.headers.origin;
      if (origin && origin !== "null" && new URL(origin).host !== req.headers.host) throw new ApiRefusal(403, "forbidden", "This form came from another site.");
    }
    next();
  });

  const secure = (req: Request) => req.headers["x-forwarded-proto"] === "https" || req.secure;

  app.get("/sign-in", (_req, res) => send(res, views.page({ title: "Sign in", body: views.signIn() })));

  app.post("/sign-in", async (req, res) => {
    const key = String(req.body?.key ?? "").trim();
    const refuse = (message: string) => send(res.status(401), views.page({ title: "Sign in", body: views.signIn(message) }));
    if (!key) return refuse("Give an API key.");
    try {
      await createApi(options.apiUrl, key).get<Account>("/account");
    } catch (error) {
      if (error instanceof ApiRefusal && error.status === 401) return refuse("Ouro does not know that key: check it, or make one with `npx ouro auth:token`.");
      throw error;
    }
    res.setHeader("Set-Cookie", cookie(SESSION_COOKIE, seal(options.secret, key), { secure: secure(req), maxAgeSeconds: SESSION_HOURS * 3600 }));
    res.redirect(303, "/");
  });

  app.post("/sign-out", (req, res) => {
    res.setHeader("Set-Cookie", cookie(SESSION_COOKIE, "", { secure: secure(req), maxAgeSeconds: 0 }));
    res.redirect(303, "/sign-in");
  });

  // Everything below needs a signed-in user.
  app.use(async (req, res, next) => {
    const key = unseal(options.secret, cookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!key) return signedOut(req, res);
    const api = createApi(options.apiUrl, key);
    try {
      res.locals.session = { api, account: await api.get<Account>("/account") } satisfies Session;
    } catch (error) {
      // A key revoked or expired since: signed out.
      if (error instanceof ApiRefusal && error.status === 401) return signedOut(req, res);
      throw error;
    }
    next();
  });

  const session = (res: Response) => res.locals.session as Session;
  const appName = (req: Request) => String(req.params.app);

  /** A page of the signed-in user's, with the flash message a redirect left. */
  function render(req: Request, res: Response, title: string, body: Html) {
    const flash = takeFlash(req, res);
    send(res, views.page({ title, account: session(res).account, flash, body }));
  }

  app.get("/", async (req, res) => {
    render(req, res, "Apps", views.appsList(await session(res).api.get<AppStateResource[]>("/app-states")));
  });

  app.get("/fragments/apps", async (_req, res) => {
    const states = await session(res).api.get<AppStateResource[]>("/app-states");
    send(res, views.appsTable(states, "Apps"), { every: views.listEvery(states) });
  });

  async function platformParts(api: Api) {
    const [status, all] = await Promise.all([api.get<PlatformStatus>("/platform/status"), api.get<AppStateResource[]>("/app-states?all=true")]);
    return { status, systemApps: all.filter((s) => s.app.system) };
  }

  app.get("/platform", async (req, res) => {
    const { status, systemApps } = await platformParts(session(res).api);
    render(req, res, "Platform", views.platform(status, systemApps));
  });

  app.get("/fragments/platform", async (_req, res) => {
    const { status, systemApps } = await platformParts(session(res).api);
    send(res, views.platformBody(status, systemApps), { every: views.listEvery(systemApps) });
  });

  const getApp = (res: Response, name: string) => session(res).api.get<App>(`/apps/${seg(name)}`);
  const newestBuild = async (api: Api, name: string) => (await api.get<Build[]>(`/apps/${seg(name)}/builds`, "created_at ..; order=desc, max=1"))[0];
  /** The newest of an app's releases and builds: what its pages list. */
  const releaseList = (api: Api, name: string) => api.get<Release[]>(`/apps/${seg(name)}/releases`, `version ..; order=desc, max=${LISTED}`);
  const buildList = (api: Api, name: string) => api.get<Build[]>(`/apps/${seg(name)}/builds`, `created_at ..; order=desc, max=${LISTED}`);

  /** One of an app's pages: its frame (name, tabs) around `body`. */
  async function appPage(req: Request, res: Response, tab: string, title: string, body: (app: App) => Promise<Html> | Html) {
    const app = await getApp(res, appName(req));
    render(req, res, `${title} · ${app.name}`, views.appFrame(app, tab, await body(app)));
  }

  app.get("/apps/:app", (req, res) =>
    appPage(req, res, "", "Overview", async (app) => {
      const api = session(res).api;
      const [state, plan, formation, build] = await Promise.all([
        api.get<AppStateResource>(`/apps/${seg(app.name)}/state`),
        api.get<FormationPlanResource>(`/apps/${seg(app.name)}/formation-plan`),
        api.get<Formation[]>(`/apps/${seg(app.name)}/formation`),
        newestBuild(api, app.name),
      ]);
      return views.overview(app, state, plan, formation, build, mayChange(session(res).account));
    }),
  );

  app.get("/apps/:app/fragments/model", async (req, res) => {
    const api = session(res).api;
    const name = appName(req);
    const [state, plan] = await Promise.all([api.get<AppStateResource>(`/apps/${seg(name)}/state`), api.get<FormationPlanResource>(`/apps/${seg(name)}/formation-plan`)]);
    send(res, views.model(name, state, plan), { every: views.pollEvery(state.state) });
  });

  app.get("/apps/:app/fragments/build", async (req, res) => {
    const build = await newestBuild(session(res).api, appName(req));
    send(res, views.buildPanel(appName(req), build), { key: views.buildKey(build) });
  });

  app.get("/apps/:app/releases", (req, res) =>
    appPage(req, res, "/releases", "Releases", async (app) => views.releases(app.name, await releaseList(session(res).api, app.name), mayChange(session(res).account))),
  );

  app.get("/apps/:app/fragments/releases", async (req, res) => {
    send(res, views.releasesTable(appName(req), await releaseList(session(res).api, appName(req)), mayChange(session(res).account)));
  });

  const getRelease = (res: Response, app: string, version: string) => session(res).api.get<Release>(`/apps/${seg(app)}/releases/${seg(version)}`);

  app.get("/apps/:app/releases/:version/output", (req, res) =>
    appPage(req, res, "/releases", "Release phase", async (app) => views.releaseOutputPage(app.name, await getRelease(res, app.name, String(req.params.version)))),
  );

  app.get("/apps/:app/releases/:version/output/stream", async (req, res) => {
    const release = await getRelease(res, appName(req), String(req.params.version));
    if (!release.output_stream_url) throw new ApiRefusal(404, "not_found", `v${release.version} has no release phase.`);
    await relay(req, res, session(res).api, release.output_stream_url);
  });

  app.get("/apps/:app/builds", (req, res) =>
    appPage(req, res, "/builds", "Builds", async (app) => views.builds(app.name, await buildList(session(res).api, app.name))),
  );

  const getBuild = (res: Response, app: string, id: string) => session(res).api.get<Build>(`/apps/${seg(app)}/builds/${seg(id)}`);

  app.get("/apps/:app/builds/:build", (req, res) =>
    appPage(req, res, "/builds", "Build", async (app) => views.buildPage(app.name, await getBuild(res, app.name, String(req.params.build)))),
  );

  app.get("/apps/:app/builds/:build/output", async (req, res) => {
    const build = await getBuild(res, appName(req), String(req.params.build));
    await relay(req, res, session(res).api, build.output_stream_url);
  });

  const configVars = (res: Response, app: string) => session(res).api.get<Record<string, string>>(`/apps/${seg(app)}/config-vars`);

  app.get("/apps/:app/config", (req, res) =>
    appPage(req, res, "/config", "Config vars", async (app) => {
      const reveal = typeof req.query.reveal === "string" ? req.query.reveal : undefined;
      return views.config(app.name, await configVars(res, app.name), reveal);
    }),
  );

  // One value, asked for by its Reveal button: never in a page unless asked.
  app.get("/apps/:app/config/:name", async (req, res) => {
    const vars = await configVars(res, appName(req));
    const name = String(req.params.name);
    if (!(name in vars)) throw new ApiRefusal(404, "not_found", `${appName(req)} has no config var ${name}.`);
    res.setHeader("Cache-Control", "no-store");
    res.type("text/plain").send(vars[name]);
  });

  app.get("/apps/:app/resources", (req, res) =>
    appPage(req, res, "/resources", "Resources", async (app) => {
      const api = session(res).api;
      const [addons, domains, collaborators] = await Promise.all([
        api.get<Addon[]>(`/apps/${seg(app.name)}/addons`),
        api.get<Domain[]>(`/apps/${seg(app.name)}/domains`),
        api.get<Collaborator[]>(`/apps/${seg(app.name)}/collaborators`),
      ]);
      return views.resources(app.name, addons, domains, collaborators);
    }),
  );

  const logFilter = (req: Request) => ({
    source: typeof req.query.source === "string" && req.query.source ? req.query.source : undefined,
    dyno: typeof req.query.dyno === "string" && req.query.dyno ? req.query.dyno : undefined,
  });

  app.get("/apps/:app/logs", (req, res) => appPage(req, res, "/logs", "Logs", (app) => views.logs(app.name, logFilter(req))));

  app.get("/apps/:app/logs/stream", async (req, res) => {
    const api = session(res).api;
    const { source, dyno } = logFilter(req);
    const logSession = await api.send<{ logplex_url: string }>("POST", `/apps/${seg(appName(req))}/log-sessions`, { tail: true, lines: 100, source, dyno });
    await relay(req, res, api, logSession.logplex_url);
  });

  app.get("/apps/:app/activity", (req, res) =>
    appPage(req, res, "/activity", "Activity", async (app) => views.activity(await session(res).api.get<AuditEntry[]>(`/apps/${seg(app.name)}/audit?limit=100`))),
  );

  // Actions: each asks first (in place with a script, on a page of its own without), then goes
  // back to the app's page with what the API said.
  function action(path: string, question: (req: Request) => string, fields: string[], act: (req: Request, api: Api) => Promise<string>, back = "") {
    app.post(path, async (req, res) => {
      const name = appName(req);
      const to = views.appPath(name, back);
      if (req.body?.confirmed !== "yes") {
        const given = Object.fromEntries(fields.map((f) => [f, String(req.body?.[f] ?? "")]));
        return render(req, res, "Are you sure?", views.confirmation(question(req), req.originalUrl, given, to));
      }
      let outcome: Flash;
      try {
        outcome = { kind: "notice", text: await act(req, session(res).api) };
      } catch (error) {
        if (!(error instanceof ApiRefusal)) throw error;
        outcome = { kind: "error", text: `Ouro refused: ${error.message}` };
      }
      // dashboard.js posts in place and shows the outcome on the page it is on.
      if (req.headers.accept?.includes("application/json")) return void res.json(outcome);
      setFlash(req, res, outcome);
      res.redirect(303, to);
    });
  }

  action(
    "/apps/:app/formation",
    (req) => `Scale ${req.body?.type} of ${appName(req)} to ${req.body?.quantity}?`,
    ["type", "quantity"],
    async (req, api) => {
      const type = String(req.body?.type ?? "");
      const quantity = Number(req.body?.quantity);
      if (!Number.isInteger(quantity) || quantity < 0) throw new ApiRefusal(422, "invalid_params", "The quantity must be a whole number, 0 or more.");
      const scaled = await api.send<Formation>("PATCH", `/apps/${seg(appName(req))}/formation/${seg(type)}`, { quantity });
      return `Scaling ${scaled.type} to ${scaled.quantity}: the plan below runs now.`;
    },
  );

  action("/apps/:app/restart", (req) => `Restart every dyno of ${appName(req)}?`, [], async (req, api) => {
    await api.send("DELETE", `/apps/${seg(appName(req))}/dynos`);
    return "Restarting every dyno: new ones start before the old ones stop.";
  });

  action(
    "/apps/:app/rollback",
    (req) => `Roll ${appName(req)} back to v${req.body?.release}?`,
    ["release"],
    async (req, api) => {
      const target = await api.get<Release>(`/apps/${seg(appName(req))}/releases/${seg(String(req.body?.release ?? ""))}`);
      const made = await api.send<Release>("POST", `/apps/${seg(appName(req))}/releases`, { release: target.id });
      return `Rolled back to v${target.version}: v${made.version} is deploying.`;
    },
    "/releases",
  );

  app.use((_req: Request, res: Response) => {
    if (!res.headersSent) render(_req, res.status(404), "Not found", views.problem("Not found", "There is no such page."));
  });

  app.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return void res.end();
    if (error instanceof ApiRefusal) {
      const title = error.status === 404 ? "Not found" : error.status === 403 ? "Not allowed" : "Ouro refused";
      const body = views.problem(title, error.message);
      res.status(error.status >= 400 && error.status < 600 ? error.status : 502);
      return res.locals.session ? render(req, res, title, body) : send(res, views.page({ title, body }));
    }
    console.error(`dashboard: ${req.method} ${req.path}: ${error.stack ?? error.message}`);
    res.status(500);
    send(res, views.page({ title: "Error", body: views.problem("Something went wrong", "The dashboard hit an error; its log (npx ouro logs -a dashboard) has the details.") }));
  });

  return app;
}

/** HTML that is the user's own: never cached. A fragment says how often to ask again, or its key. */
function send(res: Response, body: Html, fragment: { every?: number; key?: string } = {}) {
  res.setHeader("Cache-Control", "no-store");
  if (fragment.every !== undefined) res.setHeader("Ouro-Poll-Every", String(fragment.every));
  if (fragment.key !== undefined) res.setHeader("Ouro-Fragment-Key", fragment.key);
  res.type("html").send(body.text);
}

function signedOut(req: Request, res: Response) {
  // A page goes to the sign-in form; a script's request is told, and dashboard.js goes there.
  if (req.method === "GET" && !req.path.includes("/fragments/") && !req.path.endsWith("/stream") && !req.path.endsWith("/output")) {
    return res.redirect(303, "/sign-in");
  }
  res.status(401).type("text/plain").send("Signed out: sign in again.");
}

/** A stream of text from the API (a build's output, a log tail) passed on as it comes. */
async function relay(req: Request, res: Response, api: Api, url: string) {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const stream = await api.stream(url, abort.signal);
  res.setHeader("Cache-Control", "no-store");
  res.type("text/plain; charset=utf-8");
  res.flushHeaders();
  await pipeline(stream, res).catch((error: Error) => {
    // The browser went away, or the API ended the stream: either way this request is over.
    if (!abort.signal.aborted) console.error(`dashboard: ${req.path}: stream ended: ${error.message}`);
  });
}

function takeFlash(req: Request, res: Response): Flash | undefined {
  const raw = cookies(req.headers.cookie)[FLASH_COOKIE];
  if (!raw) return undefined;
  res.append("Set-Cookie", cookie(FLASH_COOKIE, "", { secure: false, maxAgeSeconds: 0 }));
  try {
    const flash = JSON.parse(raw) as Flash;
    return (flash.kind === "notice" || flash.kind === "error") && typeof flash.text === "string" ? { kind: flash.kind, text: flash.text.slice(0, 500) } : undefined;
  } catch {
    return undefined;
  }
}

function setFlash(req: Request, res: Response, flash: Flash) {
  res.append("Set-Cookie", cookie(FLASH_COOKIE, JSON.stringify(flash), { secure: req.headers["x-forwarded-proto"] === "https", maxAgeSeconds: 60 }));
}
