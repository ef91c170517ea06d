// What the pre-receive hook calls: start a build of the pushed tree, then follow
// its events as newline-delimited JSON until it is done.
import { Router, type Request } from "express";
import { getApp, getBuild } from "../db/index.ts";
import { unauthorized } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";
import { bearerToken, verifyScopedToken } from "../lib/tokens.ts";
import { followBuildEvents } from "../builds/index.ts";
import type { ApiContext } from "../api/index.ts";

export function hookRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function authorizedApp(req: Request, appName: string) {
    const token = bearerToken(req.headers.authorization);
    if (!verifyScopedToken(ctx.config.secrets.tokenSecret, `hook:${appName}`, token)) {
      throw unauthorized("This token is not the git hook's token for that app.");
    }
    return getApp(ctx.db, appName);
  }

  router.post("/internal/git/:app/builds", async (req, res) => {
    const app = await authorizedApp(req, req.params.app);
    const version = typeof req.query.version === "string" ? req.query.version : null;
    const userId = typeof req.query.user === "string" && isUuid(req.query.user) ? req.query.user : null;
    const build = await ctx.builds.start({ app, userId, source: req, version });
    res.status(201).json({ id: build.id });
  });

  router.get("/internal/git/:app/builds/:id/events", async (req, res) => {
    const app = await authorizedApp(req, req.params.app);
    const build = await getBuild(ctx.db, req.params.id);
    if (build.app_id !== app.id) throw unauthorized("That build belongs to another app.");
    res.setHeader("Content-Type", "application/x-ndjson");
    res.flushHeaders();
    const reader = ctx.redis.duplicate();
    // Its commands fail on their own (and end the stream); unheard, ioredis would also print each retry.
    reader.on("error", () => {});
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      await followBuildEvents(reader, build.id, (event) => res.write(`${JSON.stringify(event)}\n`), abort.signal);
    } finally {
      reader.disconnect();
      res.end();
    }
  });

  return router;
}
