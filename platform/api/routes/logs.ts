// Heroku's two-step logs: POST a log session, then GET its logplex_url, which
// streams text lines. The URL carries a token scoped to that session's query.
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { getApp } from "../../db/index.ts";
import { unauthorized } from "../../lib/errors.ts";
import { scopedToken, verifyScopedToken } from "../../lib/tokens.ts";
import { formatLogLine, readLogs } from "../../logs/index.ts";
import { type ApiContext, parseBody } from "../context.ts";

const LogSession = z.object({
  lines: z.number().int().min(1).max(1500).default(100),
  tail: z.boolean().default(false),
  dyno: z.string().optional(),
  source: z.string().optional(),
});

export function logSessionRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.post("/apps/:app/log-sessions", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const query = parseBody(LogSession, req.body);
    const id = randomUUID();
    const params = new URLSearchParams({ app: app.name, lines: String(query.lines), tail: String(query.tail) });
    if (query.dyno) params.set("dyno", query.dyno);
    if (query.source) params.set("source", query.source);
    params.set("token", scopedToken(ctx.config.secrets.tokenSecret, `logs:${params.toString()}`));
    const now = new Date();
    res.status(201).json({
      id,
      logplex_url: `http://127.0.0.1:${ctx.config.apiPort}/log-streams/${id}?${params}`,
      created_at: now,
      updated_at: now,
    });
  });
  return router;
}

/** Mounted before authentication: the token in the URL is the credential. */
export function logStreamRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get("/log-streams/:id", async (req, res) => {
    const params = new URLSearchParams(req.url.split("?")[1] ?? "");
    const token = params.get("token") ?? "";
    params.delete("token");
    if (!verifyScopedToken(ctx.config.secrets.tokenSecret, `logs:${params.toString()}`, token)) {
      throw unauthorized("This log session URL is not valid.");
    }
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.flushHeaders();
    const reader = ctx.redis.duplicate();
    // Its commands fail on their own (and end the session); unheard, ioredis would also print each retry.
    reader.on("error", () => {});
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      await readLogs(
        reader,
        params.get("app") ?? "",
        {
          lines: Number(params.get("lines") ?? 100),
          tail: params.get("tail") === "true",
          dyno: params.get("dyno") ?? undefined,
          source: params.get("source") ?? undefined,
        },
        (line) => res.write(`${formatLogLine(line)}\n`),
        abort.signal,
      );
    } finally {
      reader.disconnect();
      res.end();
    }
  });
  return router;
}
