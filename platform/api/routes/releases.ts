import { type Request, type Response, Router } from "express";
import { z } from "zod";
import {
  RELEASE_PHASE_TYPE,
  createRun,
  getBuild,
  getRelease,
  getRun,
  getSlug,
  listBuilds,
  listDynos,
  listFormation,
  listReleases,
  recordAudit,
  restartFormation,
} from "../../db/index.ts";
import { createCronReader } from "../../cron/index.ts";
import { RESTART_CHANNEL, restartMessage } from "../../lib/channels.ts";
import { ConfigVarsSchema } from "../../lib/config-vars.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { isUuid } from "../../lib/ids.ts";
import { appOf, auditOf, isCronKey } from "../access.ts";
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
  const cron = createCronReader({ db: ctx.db, blobs: ctx.blobs });

  /**
   * The cron service's key starts only what the app's own app.json schedules, as a `scheduler`
   * dyno of its default size: a leaked key can run a scheduled job early, nothing else.
   */
  async function checkCronRun(appId: string, body: z.infer<typeof RunRequest>): Promise<void> {
    if (body.type !== "scheduler" || body.env !== undefined || body.size !== undefined) {
      throw forbidden("The cron service's key starts only `scheduler` dynos, with no env or size of its own.");
    }
    const scheduled = (await cron.entries(appId)).some((entry) => !entry.error && entry.command === body.command);
    if (!scheduled) throw forbidden("The cron service's key starts only commands the app's app.json schedules.");
  }

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

  router.get("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    res.json((await listDynos(ctx.db, app.id)).map((d) => dynoShape(d, app)));
  });

  router.post("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(RunRequest, req.body);
    if (isCronKey(req)) await checkCronRun(app.id, body);
    const size = body.size === undefined ? undefined : sizeForHost(body.size, ctx.limits).name;
    const run = await createRun(
      ctx.db,
      { appId: app.id, command: body.command, type: body.type, env: body.env, size },
      { max: ctx.limits.maxOneOffDynos, appName: app.name },
      (made) => auditOf(req, "dyno.run", app, { dyno: `${made.type}.${made.number}`, command: body.command, size: made.size }),
    );
    await ctx.notifyFormation(app.name);
    res.status(201).json(runShape(run, app));
  });

  router.get("/apps/:app/dynos/:dyno", async (req, res) => {
    const app = appOf(res);
    if (isUuid(req.params.dyno)) {
      const run = await getRun(ctx.db, req.params.dyno);
      if (run.app_id !== app.id) throw notFound(`Couldn't find that dyno: ${req.params.dyno}.`);
      return void res.json(runShape(run, app));
    }
    const dyno = (await listDynos(ctx.db, app.id)).find((d) => d.name === req.params.dyno);
    if (!dyno) throw notFound(`Couldn't find that dyno: ${req.params.dyno}.`);
    res.json(dynoShape(dyno, app));
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
