// Output that streams to a URL which is its own credential (builds/output-url.ts): a build's
// output, and a release phase's (what `heroku releases:output` reads). Both, and the log
// session stream (logs.ts), answer plain lines or Server-Sent Events to a client that asks for
// them, and end once the URL's user can no longer read the app.
import type { Request, Response } from "express";
import { Router } from "express";
import type { Redis } from "ioredis";
import { buildSettled, canReach, findUser, getApp, getBuild, getReleaseById, newestReleaseRun, type Db } from "../../db/index.ts";
import { buildEventsKept, followBuildEvents } from "../../builds/index.ts";
import { type OutputOf, OUTPUT_URL_TTL_MS, openOutput, outputPath } from "../../builds/output-url.ts";
import { OuroError, notFound } from "../../lib/errors.ts";
import { LOG_WINDOW, readLogs } from "../../logs/index.ts";
import { type ApiContext, apiNow } from "../context.ts";
import { hostApiUrl } from "../../lib/config.ts";

const now = apiNow;
/** How often a release phase's stream asks whether its dyno has ended. */
const RUN_POLL_MS = 500;
/** Its last lines reach the log just before its exit is recorded. */
const LAST_LINES_MS = 300;

/** A build's or release's output_stream_url, made for the user reading it. */
export function outputUrl(ctx: ApiContext, of: OutputOf, id: string, userId: string): string {
  const path = outputPath(ctx.config.secrets.tokenSecret, of, { id, userId, expiresAt: new Date(now(ctx).getTime() + OUTPUT_URL_TTL_MS) });
  return `${hostApiUrl(ctx.config)}${path}`;
}

/** Whether the user may still read the app: it may be gone or transferred, they may have lost it. */
export async function userStillReaches(db: Db, appId: string, userId: string): Promise<boolean> {
  const app = await getApp(db, appId).catch(() => undefined);
  const user = app && (await findUser(db, userId));
  return app !== undefined && user !== undefined && (await canReach(db, user, app));
}

export interface TextStream {
  /** One line (or several, joined by newlines), with its entry id for a client to resume after. */
  send(text: string, id?: string): void;
  /** A Redis connection of the stream's own: XREAD BLOCK holds it. */
  reader: Redis;
  /** Aborted when the client goes. */
  signal: AbortSignal;
  /** Where a Server-Sent Events client asks to resume. */
  lastEventId?: string;
  end(): void;
}

/** Starts a streamed answer of `contentType` fed from Redis: a connection of its own, and a signal for the client's going. */
export function startStream(ctx: ApiContext, res: Response, contentType: string): Pick<TextStream, "reader" | "signal" | "end"> {
  res.setHeader("Content-Type", contentType);
  res.setHeader("Cache-Control", "no-cache");
  res.flushHeaders();
  const reader = ctx.redis.duplicate();
  // Its commands fail on their own (and end the stream); unheard, ioredis would also print each retry.
  reader.on("error", () => {});
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  return {
    reader,
    signal: abort.signal,
    end() {
      reader.disconnect();
      res.end();
    },
  };
}

/** Starts a streamed answer: plain lines, or Server-Sent Events (one `data:` a line) for a client that asks, as heroku's EventSource does. */
export function startTextStream(ctx: ApiContext, req: Request, res: Response): TextStream {
  const events = (req.headers.accept ?? "").includes("text/event-stream");
  const stream = startStream(ctx, res, events ? "text/event-stream; charset=utf-8" : "text/plain; charset=utf-8");
  const lastEventId = req.headers["last-event-id"];
  return {
    ...stream,
    send: events
      ? (text, id) => void res.write(`${id ? `id: ${id}\n` : ""}${text.split("\n").map((line) => `data: ${line}\n`).join("")}\n`)
      : (text) => void res.write(`${text}\n`),
    ...(events && typeof lastEventId === "string" ? { lastEventId } : {}),
  };
}

/** Mounted before authentication: the URL is the credential. */
export function outputRoutes(ctx: ApiContext): Router {
  const router = Router();
  const open = (of: OutputOf, req: Request<{ id: string }>) =>
    openOutput(ctx.config.secrets.tokenSecret, of, req.params.id, req.url.split("?")[1] ?? "", now(ctx));
  const lost = (of: OutputOf) => notFound(`This ${of} output URL's user can no longer read this app.`);

  router.get("/build-outputs/:id", async (req, res) => {
    const grant = open("build", req);
    // Its app deleted, the build goes with it (404); its user may have lost the app since.
    const build = await getBuild(ctx.db, grant.id);
    const stillOurs = () => userStillReaches(ctx.db, build.app_id, grant.userId);
    if (!(await stillOurs())) throw lost("build");
    if (!(await buildEventsKept(ctx.redis, build.id)) && build.status !== "pending") {
      throw new OuroError(410, "gone", "This build's output is no longer kept (Ouro keeps it a day); its outcome is in the build: GET /apps/:app/builds/:id.");
    }
    const stream = startTextStream(ctx, req, res);
    try {
      await followBuildEvents(stream.reader, build.id, (event, id) => event.type === "line" && stream.send(event.text, id), stream.signal, {
        after: stream.lastEventId,
        ended: async () => (await buildSettled(ctx.db, build.id)) || !(await stillOurs()),
      });
    } finally {
      stream.end();
    }
  });

  // A release phase's output: its dyno's lines in the app's log (the last 1,500 lines of it), then
  // what it prints until it ends. 404 until its dyno exists, as heroku's CLI expects.
  router.get("/release-outputs/:id", async (req, res) => {
    const grant = open("release", req);
    const release = await getReleaseById(ctx.db, grant.id);
    if (!(await userStillReaches(ctx.db, release.app_id, grant.userId))) throw lost("release");
    const run = await newestReleaseRun(ctx.db, release.app_id, release.version);
    if (!run) throw notFound(`The release command of v${release.version} has not started yet.`);
    const app = await getApp(ctx.db, release.app_id);
    const stream = startTextStream(ctx, req, res);
    const watching = setInterval(async () => {
      const current = await newestReleaseRun(ctx.db, release.app_id, release.version).catch(() => undefined);
      if (current?.state !== "complete" && current !== undefined) return;
      clearInterval(watching);
      // Ends the blocked read, and with it the stream.
      setTimeout(() => stream.reader.disconnect(), LAST_LINES_MS);
    }, RUN_POLL_MS);
    try {
      // What the command printed: its dyno's app lines, not the platform's notes on that dyno.
      const query = { lines: LOG_WINDOW, tail: true, dyno: `${run.type}.${run.number}`, source: "app" };
      await readLogs(stream.reader, app.name, query, (line) => stream.send(line.line), stream.signal, () => userStillReaches(ctx.db, app.id, grant.userId));
    } catch {
      // The reader closed: the release phase ended, or the client went.
    } finally {
      clearInterval(watching);
      stream.end();
    }
  });
  return router;
}
