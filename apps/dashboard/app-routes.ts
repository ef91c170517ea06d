// The signed-in user's pages: the apps list, an app's tabs and actions, the platform. Each reads
// the API with their key; names and ids from the URL are checked before they reach it.
import { type Request, type Response, Router } from "express";
import { type Api, ApiRefusal, seg } from "./api.ts";
import type { Html } from "./html.ts";
import {
  type Addon,
  type App,
  type AppStateDetail,
  type AppStateResource,
  type AuditEntry,
  type Build,
  type Collaborator,
  type Domain,
  type Formation,
  type PlatformStatus,
  type Release,
  mayChange,
} from "./resources.ts";
import { relay, send } from "./respond.ts";
import type { Flash, Signed } from "./server.ts";
import * as appViews from "./app-views.ts";
import * as views from "./views.ts";

/** How many of an app's newest releases and builds its pages list. */
const LISTED = 50;
const APP_NAME = /^[a-z][a-z0-9-]{1,29}$/;
const VERSION = /^\d{1,9}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function param(req: Request, name: string, shape: RegExp, what: string): string {
  const value = String(req.params[name] ?? "");
  if (!shape.test(value)) throw new ApiRefusal(404, "not_found", `There is no such ${what}.`);
  return value;
}

const appName = (req: Request) => param(req, "app", APP_NAME, "app");

export function appRoutes(signed: (res: Response) => Signed): Router {
  const router = Router();
  const api = (res: Response) => signed(res).api;

  router.get("/", async (req, res) => {
    signed(res).render(req, res, "Apps", views.appsList(await api(res).get<AppStateResource[]>("/app-states")));
  });

  router.get("/fragments/apps", async (_req, res) => {
    const states = await api(res).get<AppStateResource[]>("/app-states");
    send(res, views.appsTable(states, "Apps"), { every: views.listEvery(states) });
  });

  async function platformParts(res: Response) {
    const [status, systemApps] = await Promise.all([api(res).get<PlatformStatus>("/platform/status"), api(res).get<AppStateResource[]>("/app-states?system=true")]);
    return { status, systemApps };
  }

  router.get("/platform", async (req, res) => {
    const { status, systemApps } = await platformParts(res);
    signed(res).render(req, res, "Platform", views.platform(status, systemApps));
  });

  router.get("/fragments/platform", async (_req, res) => {
    const { status, systemApps } = await platformParts(res);
    send(res, views.platformBody(status, systemApps), { every: views.listEvery(systemApps) });
  });

  const newestBuild = async (api: Api, name: string) => (await api.get<Build[]>(`/apps/${seg(name)}/builds`, "created_at ..; order=desc, max=1"))[0];
  const releaseList = (api: Api, name: string) => api.get<Release[]>(`/apps/${seg(name)}/releases`, `version ..; order=desc, max=${LISTED}`);
  const buildList = (api: Api, name: string) => api.get<Build[]>(`/apps/${seg(name)}/builds`, `created_at ..; order=desc, max=${LISTED}`);
  const canChange = (res: Response) => mayChange(signed(res).session);

  /** One of an app's pages: its frame (name, tabs) around `body`. */
  async function appPage(req: Request, res: Response, tab: string, title: string, body: (app: App) => Promise<Html> | Html) {
    const app = await api(res).get<App>(`/apps/${seg(appName(req))}`);
    signed(res).render(req, res, `${title} · ${app.name}`, appViews.appFrame(app, tab, await body(app)));
  }

  router.get("/apps/:app", (req, res) =>
    appPage(req, res, "", "Overview", async (app) => {
      const [state, formation, build] = await Promise.all([
        api(res).get<AppStateDetail>(`/apps/${seg(app.name)}/state`),
        api(res).get<Formation[]>(`/apps/${seg(app.name)}/formation`),
        newestBuild(api(res), app.name),
      ]);
      return appViews.overview(app, state, formation, build, canChange(res));
    }),
  );

  router.get("/apps/:app/fragments/model", async (req, res) => {
    const state = await api(res).get<AppStateDetail>(`/apps/${seg(appName(req))}/state`);
    send(res, appViews.model(state), { every: views.pollEvery(state.state) });
  });

  router.get("/apps/:app/fragments/build", async (req, res) => {
    const build = await newestBuild(api(res), appName(req));
    send(res, appViews.buildPanel(appName(req), build), { key: appViews.buildKey(build), every: build?.status === "pending" ? 1000 : 3000 });
  });

  router.get("/apps/:app/releases", (req, res) =>
    appPage(req, res, "/releases", "Releases", async (app) => appViews.releases(app.name, await releaseList(api(res), app.name), canChange(res))),
  );

  router.get("/apps/:app/fragments/releases", async (req, res) => {
    send(res, appViews.releasesTable(appName(req), await releaseList(api(res), appName(req)), canChange(res)));
  });

  const getRelease = (req: Request, res: Response) => api(res).get<Release>(`/apps/${seg(appName(req))}/releases/${param(req, "version", VERSION, "release")}`);

  router.get("/apps/:app/releases/:version/output", (req, res) =>
    appPage(req, res, "/releases", "Release phase", async (app) => appViews.releaseOutputPage(app.name, await getRelease(req, res))),
  );

  router.get("/apps/:app/releases/:version/output/stream", async (req, res) => {
    const release = await getRelease(req, res);
    if (!release.output_stream_url) throw new ApiRefusal(404, "not_found", `v${release.version} has no release phase.`);
    await relay(req, res, api(res), release.output_stream_url);
  });

  router.get("/apps/:app/builds", (req, res) => appPage(req, res, "/builds", "Builds", async (app) => appViews.builds(app.name, await buildList(api(res), app.name))));

  const getBuild = (req: Request, res: Response) => api(res).get<Build>(`/apps/${seg(appName(req))}/builds/${param(req, "build", UUID, "build")}`);

  router.get("/apps/:app/builds/:build", (req, res) => appPage(req, res, "/builds", "Build", async (app) => appViews.buildPage(app.name, await getBuild(req, res))));

  router.get("/apps/:app/builds/:build/output", async (req, res) => {
    await relay(req, res, api(res), (await getBuild(req, res)).output_stream_url);
  });

  const configVars = (req: Request, res: Response) => api(res).get<Record<string, string>>(`/apps/${seg(appName(req))}/config-vars`);

  router.get("/apps/:app/config", (req, res) =>
    appPage(req, res, "/config", "Config vars", async (app) => {
      const reveal = typeof req.query.reveal === "string" ? req.query.reveal : undefined;
      return appViews.config(app.name, await configVars(req, res), reveal);
    }),
  );

  // One value, asked for by its Reveal button: never in a page unless asked.
  router.get("/apps/:app/config/:name", async (req, res) => {
    const vars = await configVars(req, res);
    const name = String(req.params.name);
    if (!Object.hasOwn(vars, name)) throw new ApiRefusal(404, "not_found", `${appName(req)} has no config var ${name}.`);
    res.setHeader("Cache-Control", "no-store");
    res.type("text/plain").send(vars[name]);
  });

  router.get("/apps/:app/resources", (req, res) =>
    appPage(req, res, "/resources", "Resources", async (app) => {
      const [addons, domains, collaborators] = await Promise.all([
        api(res).get<Addon[]>(`/apps/${seg(app.name)}/addons`),
        api(res).get<Domain[]>(`/apps/${seg(app.name)}/domains`),
        api(res).get<Collaborator[]>(`/apps/${seg(app.name)}/collaborators`),
      ]);
      return appViews.resources(app.name, addons, domains, collaborators);
    }),
  );

  const logFilter = (req: Request) => ({
    source: typeof req.query.source === "string" && appViews.LOG_SOURCES.includes(req.query.source) ? req.query.source : undefined,
    dyno: typeof req.query.dyno === "string" && /^[a-z0-9_.-]{1,40}$/i.test(req.query.dyno) ? req.query.dyno : undefined,
  });

  router.get("/apps/:app/logs", (req, res) => appPage(req, res, "/logs", "Logs", (app) => appViews.logs(app.name, logFilter(req))));

  router.get("/apps/:app/logs/stream", async (req, res) => {
    const { source, dyno } = logFilter(req);
    const session = await api(res).send<{ logplex_url: string }>("POST", `/apps/${seg(appName(req))}/log-sessions`, { tail: true, lines: 100, source, dyno });
    await relay(req, res, api(res), session.logplex_url);
  });

  router.get("/apps/:app/activity", (req, res) =>
    appPage(req, res, "/activity", "Activity", async (app) => appViews.activity(await api(res).get<AuditEntry[]>(`/apps/${seg(app.name)}/audit?limit=100`))),
  );

  // Actions: each asks first (in place with a script, on a page of its own without), then goes
  // back to the app's page with what the API said.
  function action(path: string, question: (req: Request) => string, fields: string[], act: (req: Request, api: Api) => Promise<string>, back = "") {
    router.post(path, async (req, res) => {
      const to = views.appPath(appName(req), back);
      if (req.body?.confirmed !== "yes") {
        const given = Object.fromEntries(fields.map((f) => [f, String(req.body?.[f] ?? "")]));
        return signed(res).render(req, res, "Are you sure?", views.confirmation(question(req), req.originalUrl, given, to));
      }
      let outcome: Flash;
      try {
        outcome = { kind: "notice", text: await act(req, api(res)) };
      } catch (error) {
        if (!(error instanceof ApiRefusal) || error.status === 401) throw error;
        outcome = { kind: "error", text: `Ouro refused: ${error.message}` };
      }
      // dashboard.js posts in place and shows the outcome on the page it is on.
      if (req.headers.accept?.includes("application/json")) return void res.json(outcome);
      signed(res).flash(req, res, outcome);
      res.redirect(303, to);
    });
  }

  action(
    "/apps/:app/formation",
    (req) => `Scale ${req.body?.type} of ${appName(req)} to ${req.body?.quantity}?`,
    ["type", "quantity"],
    async (req, api) => {
      const type = String(req.body?.type ?? "");
      const quantity = String(req.body?.quantity ?? "");
      if (!/^\d{1,4}$/.test(quantity)) throw new ApiRefusal(422, "invalid_params", "The quantity must be a whole number, 0 or more.");
      const scaled = await api.send<Formation>("PATCH", `/apps/${seg(appName(req))}/formation/${seg(type)}`, { quantity: Number(quantity) });
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
      const version = String(req.body?.release ?? "");
      if (!VERSION.test(version)) throw new ApiRefusal(422, "invalid_params", "Choose a release to roll back to.");
      const target = await api.get<Release>(`/apps/${seg(appName(req))}/releases/${version}`);
      const made = await api.send<Release>("POST", `/apps/${seg(appName(req))}/releases`, { release: target.id });
      return `Rolled back to v${target.version}: v${made.version} is deploying.`;
    },
    "/releases",
  );

  return router;
}
