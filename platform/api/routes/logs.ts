// Heroku's two-step logs: POST a log session, then GET its logplex_url, which streams text
// lines. The URL is the credential: it names the app by id and expires (platform/logs/session.ts).
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { getApp } from "../../db/index.ts";
import { notFound } from "../../lib/errors.ts";
import { formatLogLine, LOG_SESSION_TTL_MS, logSessionQuery, openLogSession, readLogs } from "../../logs/index.ts";
import { appOf } from "../access.ts";
import { type ApiContext, apiNow, parseBody } from "../context.ts";
import { hostApiUrl } from "../../lib/config.ts";
import { startTextStream, userStillReaches } from "./outputs.ts";

const LogSession = z.object({
  lines: z.number().int().min(1).max(1500).default(100),
  tail: z.boolean().default(false),
  dyno: z.string().optional(),
  source: z.string().optional(),
});

const now = apiNow;

export function logSessionRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.post("/apps/:app/log-sessions", async (req, res) => {
    const app = appOf(res);
    const query = parseBody(LogSession, req.body);
    const id = randomUUID();
    const created = now(ctx);
    const expiresAt = new Date(created.getTime() + LOG_SESSION_TTL_MS);
    const params = logSessionQuery(ctx.config.secrets.tokenSecret, { sessionId: id, appId: app.id, userId: req.user!.id, query, expiresAt });
    res.status(201).json({
      id,
      logplex_url: `${hostApiUrl(ctx.config)}/log-streams/${id}?${params}`,
      created_at: created,
      updated_at: created,
    });
  });
  return router;
}

/** Mounted before authentication: the token in the URL is the credential. */
export function logStreamRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get("/log-streams/:id", async (req, res) => {
    const grant = openLogSession(ctx.config.secrets.tokenSecret, req.params.id, req.url.split("?")[1] ?? "", now(ctx));
    // By id only (openLogSession checked it is one): the app's name may be another app's by now.
    const app = await getApp(ctx.db, grant.appId).catch((err: { status?: number }) => {
      throw err.status === 404 ? notFound("The app of this log session no longer exists: it was deleted.") : err;
    });
    const stillOurs = () => userStillReaches(ctx.db, app.id, grant.userId);
    if (!(await stillOurs())) throw notFound("This log session's user can no longer read this app's logs.");
    const stream = startTextStream(ctx, req, res);
    // The expiry bounds when a session may be opened, not how long it streams: a tail opened in
    // time goes on past it, as Heroku's does (`ouro run` may run longer). It ends when the app goes,
    // checked between reads, since the stream is keyed by a name a new app may take, or when its
    // user can no longer reach the app.
    try {
      await readLogs(stream.reader, app.name, grant.query, (line) => stream.send(formatLogLine(line)), stream.signal, stillOurs);
    } finally {
      stream.end();
    }
  });
  return router;
}
