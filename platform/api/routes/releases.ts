import { Router } from "express";
import { z } from "zod";
import { RELEASE_PHASE_TYPE, audit, createRun, getApp, getBuild, getRelease, getRun, getSlug, listBuilds, listDynos, listReleases } from "../../db/index.ts";
import { RESTART_CHANNEL } from "../../lib/channels.ts";
import { ConfigVarsSchema } from "../../lib/config-vars.ts";
import { notFound } from "../../lib/errors.ts";
import { isUuid } from "../../lib/ids.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { sizeForHost } from "../limits.ts";
import { buildShape, dynoShape, releaseShape, runShape, slugShape } from "../shapes.ts";

const RunRequest = z.object({
  command: z.string().min(1),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,29}$/)
    // The release phase's dynos are the platform's own, and outside the one-off quota.
    .refine((type) => type !== RELEASE_PHASE_TYPE, `"${RELEASE_PHASE_TYPE}" is the release phase's dyno type; pick another`)
    .default("run"),
  env: ConfigVarsSchema.optional(),
  size: z.string().min(1).optional(),
});

/** Releases, builds, slugs and dynos (including one-off dynos). */
export function releaseRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/releases", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listReleases(ctx.db, app.id)).map((r) => releaseShape(r, app)));
  });

  router.get("/apps/:app/releases/:release", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json(releaseShape(await getRelease(ctx.db, app.id, req.params.release), app));
  });

  router.get("/apps/:app/builds", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listBuilds(ctx.db, app.id)).map((b) => buildShape(b, app, ctx.config)));
  });

  router.get("/apps/:app/builds/:build", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const build = await getBuild(ctx.db, req.params.build);
    if (build.app_id !== app.id) throw notFound(`Couldn't find that build: ${req.params.build}.`);
    res.json(buildShape(build, app, ctx.config));
  });

  router.get("/apps/:app/slugs/:slug", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json(slugShape(await getSlug(ctx.db, app.id, req.params.slug)));
  });

  router.get("/apps/:app/dynos", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listDynos(ctx.db, app.id)).map((d) => dynoShape(d, app)));
  });

  router.post("/apps/:app/dynos", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const body = parseBody(RunRequest, req.body);
    const size = body.size === undefined ? undefined : sizeForHost(body.size, ctx.limits).name;
    const run = await createRun(
      ctx.db,
      { appId: app.id, command: body.command, type: body.type, env: body.env, size },
      { max: ctx.limits.maxOneOffDynos, appName: app.name },
    );
    await ctx.notifyFormation(app.name);
    await audit(ctx.db, { actor: req.user!.email, action: "dyno.run", app: app.name, detail: { command: body.command, size: run.size } });
    res.status(201).json(runShape(run, app));
  });

  router.get("/apps/:app/dynos/:dyno", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    if (isUuid(req.params.dyno)) {
      const run = await getRun(ctx.db, req.params.dyno);
      if (run.app_id !== app.id) throw notFound(`Couldn't find that dyno: ${req.params.dyno}.`);
      return void res.json(runShape(run, app));
    }
    const dyno = (await listDynos(ctx.db, app.id)).find((d) => d.name === req.params.dyno);
    if (!dyno) throw notFound(`Couldn't find that dyno: ${req.params.dyno}.`);
    res.json(dynoShape(dyno, app));
  });

  router.delete("/apps/:app/dynos", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    await ctx.redis.publish(RESTART_CHANNEL, app.name);
    res.status(202).json({});
  });

  return router;
}
