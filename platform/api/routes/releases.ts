import { Router } from "express";
import { getApp, getBuild, getRelease, getSlug, listBuilds, listDynos, listReleases } from "../../db/index.ts";
import { notFound } from "../../lib/errors.ts";
import type { ApiContext } from "../context.ts";
import { buildShape, dynoShape, releaseShape, slugShape } from "../shapes.ts";

/** Read-only views: releases, builds, slugs and dynos. */
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

  router.delete("/apps/:app/dynos", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    await ctx.redis.publish("ouro:dynos:restart", app.name);
    res.status(202).json({});
  });

  return router;
}
