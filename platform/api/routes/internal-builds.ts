// The builder dyno's side of a build: fetch source and cache, stream output,
// upload the slug and cache, report the result. Every call carries the token
// scoped to that one build.
import { existsSync, createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Router, type Request } from "express";
import { getApp, getBuild } from "../../db/index.ts";
import { background } from "../../lib/background.ts";
import { forbidden, notFound, unauthorized } from "../../lib/errors.ts";
import { verifyScopedToken } from "../../lib/tokens.ts";
import { BuildResultSchema } from "../../lib/build-contract.ts";
import { type ApiContext, parseBody } from "../context.ts";

export function internalBuildRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function authorized(req: Request) {
    const id = String(req.params.id);
    const token = req.headers.authorization?.replace(/^Bearer /i, "");
    if (!verifyScopedToken(ctx.config.secrets.tokenSecret, `build:${id}`, token)) {
      throw unauthorized("This token does not grant access to that build.");
    }
    const build = await getBuild(ctx.db, id);
    // A build's token serves it only while it is pending: once the build has ended (or
    // timed out), a late or replayed call can change nothing.
    if (build.status !== "pending") throw forbidden(`Build ${build.id} has ${build.status}; its token no longer grants access.`);
    return { build, app: await getApp(ctx.db, build.app_id) };
  }

  router.get("/internal/builds/:id/source", async (req, res) => {
    const { build } = await authorized(req);
    res.setHeader("Content-Type", "application/x-tar");
    if (!ctx.blobs.has(build.source_checksum)) throw notFound("This build's source is missing from the blob store.");
    await pipeline(ctx.blobs.read(build.source_checksum), res);
  });

  router.get("/internal/builds/:id/cache", async (req, res) => {
    const { app } = await authorized(req);
    const path = ctx.blobs.keyedPath(`cache-${app.id}.tar.gz`);
    if (!existsSync(path)) throw notFound("This app has no build cache yet.");
    res.setHeader("Content-Type", "application/gzip");
    await pipeline(createReadStream(path), res);
  });

  router.put("/internal/builds/:id/cache", async (req, res) => {
    const { app } = await authorized(req);
    await ctx.blobs.putKeyed(`cache-${app.id}.tar.gz`, req);
    res.status(204).end();
  });

  router.post("/internal/builds/:id/output", async (req, res) => {
    const { build, app } = await authorized(req);
    let pending = "";
    for await (const chunk of req) {
      pending += (chunk as Buffer).toString("utf8");
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) continue;
      await ctx.builds.output(build, app, pending.slice(0, cut));
      pending = pending.slice(cut + 1);
    }
    if (pending) await ctx.builds.output(build, app, pending);
    res.status(204).end();
  });

  router.put("/internal/builds/:id/slug", async (req, res) => {
    await authorized(req);
    res.json(await ctx.blobs.put(req));
  });

  router.post("/internal/builds/:id/result", async (req, res) => {
    const { build, app } = await authorized(req);
    const result = parseBody(BuildResultSchema, req.body);
    res.status(204).end();
    // Releasing and waiting for the new dynos outlives the builder's request.
    background(console.error, `${app.name}: releasing build ${build.id}`, () => ctx.builds.finish(build, app, result));
  });

  return router;
}
