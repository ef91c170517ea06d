// What the pre-receive hook calls: start a build of the pushed tree, then follow
// its events as newline-delimited JSON until it is done.
import { Router, type Request } from "express";
import { buildSettled, findUser, getApp, getBuild } from "../db/index.ts";
import { unauthorized } from "../lib/errors.ts";
import { bearerToken, verifyScopedToken } from "../lib/tokens.ts";
import { followBuildEvents } from "../builds/index.ts";
import type { ApiContext } from "../api/index.ts";
import { startStream } from "../api/routes/outputs.ts";

/** What a push's hook token signs: the app, the pusher and the address they pushed from. */
export const hookScope = (app: string, userId: string, address: string) => `hook:${app}:${userId}:${address}`;

export function hookRoutes(ctx: ApiContext): Router {
  const router = Router();

  async function authorizedPush(req: Request, appName: string) {
    const token = bearerToken(req.headers.authorization);
    const userId = typeof req.query.user === "string" ? req.query.user : "";
    const address = typeof req.query.address === "string" ? req.query.address : "";
    if (!verifyScopedToken(ctx.config.secrets.tokenSecret, hookScope(appName, userId, address), token)) {
      throw unauthorized("This token is not the git hook's token for that app and pusher.");
    }
    return { app: await getApp(ctx.db, appName), userId, address };
  }

  router.post("/internal/git/:app/builds", async (req, res) => {
    const { app, userId, address } = await authorizedPush(req, req.params.app);
    const version = typeof req.query.version === "string" ? req.query.version : null;
    // The pusher may have been removed since: the build then has no user, the entry their id.
    const pusher = await findUser(ctx.db, userId);
    const audit = { actorId: userId, actor: pusher?.email ?? userId, action: "push", appId: app.id, app: app.name, detail: { commit: version }, address };
    const build = await ctx.builds.start({ app, userId: pusher?.id ?? null, source: req, version, audit });
    res.status(201).json({ id: build.id });
  });

  router.get("/internal/git/:app/builds/:id/events", async (req, res) => {
    const { app } = await authorizedPush(req, req.params.app);
    const build = await getBuild(ctx.db, req.params.id);
    if (build.app_id !== app.id) throw unauthorized("That build belongs to another app.");
    const stream = startStream(ctx, res, "application/x-ndjson");
    try {
      await followBuildEvents(stream.reader, build.id, (event) => res.write(`${JSON.stringify(event)}\n`), stream.signal, {
        ended: () => buildSettled(ctx.db, build.id),
      });
    } finally {
      stream.end();
    }
  });

  return router;
}
