// Builds: list and info, and each build's output_stream_url, which streams its output as the
// pusher saw it, from the first line to the end (Server-Sent Events for a client that asks, with
// `Last-Event-ID` to resume after a disconnect, as Heroku's does).
import { type Response, Router } from "express";
import { type AppRow, type BuildRow, canReach, findUser, getApp, getBuild, listBuilds } from "../../db/index.ts";
import { buildEventsKept, followBuildEvents } from "../../builds/index.ts";
import { BUILD_OUTPUT_TTL_MS, buildOutputPath, openBuildOutput } from "../../builds/output-url.ts";
import { OuroError, notFound } from "../../lib/errors.ts";
import { appOf } from "../access.ts";
import type { ApiContext } from "../context.ts";
import { BY_CREATED_ID, sendList } from "../ranges.ts";
import { buildShape } from "../shapes.ts";

const now = (ctx: ApiContext) => ctx.clock?.() ?? new Date();

export function buildRoutes(ctx: ApiContext): Router {
  const router = Router();
  const shape = (build: BuildRow, app: AppRow, res: Response) => {
    const path = buildOutputPath(ctx.config.secrets.tokenSecret, {
      buildId: build.id,
      userId: res.req.user!.id,
      expiresAt: new Date(now(ctx).getTime() + BUILD_OUTPUT_TTL_MS),
    });
    return buildShape(build, app, `http://127.0.0.1:${ctx.config.apiPort}${path}`);
  };

  router.get("/apps/:app/builds", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listBuilds(ctx.db, app.id)).map((b) => shape(b, app, res)), BY_CREATED_ID);
  });

  router.get("/apps/:app/builds/:build", async (req, res) => {
    const app = appOf(res);
    const build = await getBuild(ctx.db, req.params.build);
    if (build.app_id !== app.id) throw notFound(`Couldn't find that build: ${req.params.build}.`);
    res.json(shape(build, app, res));
  });
  return router;
}

/** Mounted before authentication: the URL is the credential. */
export function buildOutputRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get("/build-outputs/:id", async (req, res) => {
    const grant = openBuildOutput(ctx.config.secrets.tokenSecret, req.params.id, req.url.split("?")[1] ?? "", now(ctx));
    // Its app deleted, the build goes with it (404); its user may have lost the app since.
    const build = await getBuild(ctx.db, grant.buildId);
    const stillOurs = async () => {
      const app = await getApp(ctx.db, build.app_id).catch(() => undefined);
      const user = app && (await findUser(ctx.db, grant.userId));
      return app !== undefined && user !== undefined && (await canReach(ctx.db, user, app));
    };
    if (!(await stillOurs())) throw notFound("This build output URL's user can no longer read this app.");
    if (!(await buildEventsKept(ctx.redis, build.id)) && build.status !== "pending") {
      throw new OuroError(410, "gone", "This build's output is no longer kept (Ouro keeps it a day); its outcome is in the build: GET /apps/:app/builds/:id.");
    }

    const events = (req.headers.accept ?? "").includes("text/event-stream");
    res.setHeader("Content-Type", events ? "text/event-stream; charset=utf-8" : "text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.flushHeaders();
    const reader = ctx.redis.duplicate();
    // Its commands fail on their own (and end the stream); unheard, ioredis would also print each retry.
    reader.on("error", () => {});
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const lastEventId = req.headers["last-event-id"];
    try {
      await followBuildEvents(
        reader,
        build.id,
        (event, id) => {
          if (event.type !== "line") return;
          if (!events) return void res.write(`${event.text}\n`);
          res.write(`id: ${id}\n${event.text.split("\n").map((line) => `data: ${line}\n`).join("")}\n`);
        },
        abort.signal,
        {
          after: events && typeof lastEventId === "string" ? lastEventId : undefined,
          ended: async () => (await getBuild(ctx.db, build.id)).status !== "pending" || !(await stillOurs()),
        },
      );
    } finally {
      reader.disconnect();
      res.end();
    }
  });
  return router;
}
