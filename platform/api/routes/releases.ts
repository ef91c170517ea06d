import { type Request, type Response, Router } from "express";
import {
  getBuild,
  getRelease,
  getSlug,
  listBuilds,
  listDynos,
  listFormation,
  listReleases,
  recordAudit,
  restartFormation,
} from "../../db/index.ts";
import { RESTART_CHANNEL, restartMessage } from "../../lib/channels.ts";
import { notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import type { ApiContext } from "../context.ts";
import { buildShape, releaseShape, slugShape } from "../shapes.ts";

/** Releases, builds, slugs, and restarting and stopping dynos (the rest of /dynos: dynos.ts). */
export function releaseRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/releases", async (req, res) => {
    const app = appOf(res);
    res.json((await listReleases(ctx.db, app.id)).map((r) => releaseShape(r, app)));
  });

  router.get("/apps/:app/releases/:release", async (req, res) => {
    const app = appOf(res);
    res.json(releaseShape(await getRelease(ctx.db, app.id, req.params.release), app));
  });

  router.get("/apps/:app/builds", async (req, res) => {
    const app = appOf(res);
    res.json((await listBuilds(ctx.db, app.id)).map((b) => buildShape(b, app, ctx.config)));
  });

  router.get("/apps/:app/builds/:build", async (req, res) => {
    const app = appOf(res);
    const build = await getBuild(ctx.db, req.params.build);
    if (build.app_id !== app.id) throw notFound(`Couldn't find that build: ${req.params.build}.`);
    res.json(buildShape(build, app, ctx.config));
  });

  router.get("/apps/:app/slugs/:slug", async (req, res) => {
    const app = appOf(res);
    res.json(slugShape(await getSlug(ctx.db, app.id, req.params.slug)));
  });

  // Restarting every dyno, or a process type's, is a new generation of the desired model: the dyno
  // manager replaces the dynos through the plan, by the app's strategy (preboot: new ones up first).
  router.delete("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    await restartFormation(ctx.db, app.id, undefined, auditOf(req, "dyno.restart", app, { dynos: "all" }));
    await ctx.notifyFormation(app.name);
    res.status(202).json({});
  });

  // Heroku's DELETE /apps/:app/dynos/:dyno (restart) and POST …/actions/stop take a dyno's name
  // (`web.1`) or a process type (`web`). A one-off dyno stops either way; the formation's dynos are
  // replaced by the plan either way (the formation still wants them: `ps:scale` removes them), so a
  // stop fails no request.
  router.delete("/apps/:app/dynos/:dyno", (req, res) => restartOrStop(req, res, "dyno.restart"));
  router.post("/apps/:app/dynos/:dyno/actions/stop", (req, res) => restartOrStop(req, res, "dyno.stop"));

  async function restartOrStop(req: Request<{ app: string; dyno: string }>, res: Response, action: "dyno.restart" | "dyno.stop") {
    const app = appOf(res);
    const target = req.params.dyno;
    const audit = auditOf(req, action, app, { dynos: target });
    if ((await listFormation(ctx.db, app.id)).some((f) => f.type === target)) {
      await restartFormation(ctx.db, app.id, [target], audit);
      await ctx.notifyFormation(app.name);
      return void res.status(202).json({});
    }
    if (!(await listDynos(ctx.db, app.id)).some((d) => d.name === target)) throw notFound(`Couldn't find that dyno: ${target}.`);
    // One dyno: nothing in the database changes, so the entry is the change's only trace.
    await recordAudit(ctx.db, audit);
    await ctx.redis.publish(RESTART_CHANNEL, restartMessage(app.name, target));
    res.status(202).json({});
  }

  return router;
}
