import { type Request, type Response, Router } from "express";
import { z } from "zod";
import {
  type AppRow,
  type ReleaseRow,
  getRelease,
  getSlug,
  listDynos,
  listFormation,
  listReleases,
  recordAudit,
  restartFormation,
} from "../../db/index.ts";
import { background } from "../../lib/background.ts";
import { RESTART_CHANNEL, restartMessage } from "../../lib/channels.ts";
import { appendApiEvent } from "../../logs/index.ts";
import { invalidParams, notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { eligibleForRollback, releaseShape, slugShape } from "../shapes.ts";
import { outputUrl } from "./outputs.ts";
import { sendList } from "../ranges.ts";

const CreateRelease = z
  .object({
    release: z.union([z.string().min(1), z.number().int()]).optional(),
    slug: z.string().min(1).optional(),
    description: z.string().min(1).max(500).optional(),
  })
  .refine((b) => (b.release === undefined) !== (b.slug === undefined), "give either release (to roll back to) or slug");

/** Releases, slugs, and restarting and stopping dynos (the rest of /dynos: dynos.ts; builds: builds.ts). */
export function releaseRoutes(ctx: ApiContext): Router {
  const router = Router();
  const shape = (release: ReleaseRow, app: AppRow, req: Request) =>
    releaseShape(release, app, release.has_release_phase ? outputUrl(ctx, "release", release.id, req.user!.id) : null);

  router.get("/apps/:app/releases", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listReleases(ctx.db, app.id)).map((r) => shape(r, app, req)), { version: (r) => r.version, id: (r) => r.id });
  });

  router.get("/apps/:app/releases/:release", async (req, res) => {
    const app = appOf(res);
    res.json(shape(await getRelease(ctx.db, app.id, req.params.release), app, req));
  });

  // The config a release ran (or would have run) with, as `heroku releases:info` shows it.
  router.get("/apps/:app/releases/:release/config-vars", async (req, res) => {
    const app = appOf(res);
    res.json((await getRelease(ctx.db, app.id, req.params.release)).config);
  });

  // Heroku's release create: `{"release": ID}` rolls back to that release (its slug and its whole
  // config, a new version); `{"slug": ID}` releases a slug of the app with the current config.
  // Either deploys like a push: current once its web dynos are up, the running release kept if not.
  router.post("/apps/:app/releases", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(CreateRelease, req.body);
    if (body.release !== undefined) {
      const target = await getRelease(ctx.db, app.id, String(body.release));
      if (!eligibleForRollback(target)) {
        throw invalidParams(`v${target.version} cannot be rolled back to: ${target.slug_id ? `it ${target.status === "failed" ? "failed" : "never became current"}` : "it has no slug"}.`);
      }
      const release = await ctx.builds.releaseChange({
        app,
        slugId: target.slug_id!,
        config: target.config,
        description: body.description ?? `Rollback to v${target.version}`,
        userId: req.user!.id,
        audit: auditOf(req, "release.rollback", app, { to: target.version }),
      });
      return void res.status(201).json(shape(release, app, req));
    }
    const slug = await getSlug(ctx.db, app.id, body.slug!);
    const release = await ctx.builds.releaseChange({
      app,
      slugId: slug.id,
      description: body.description ?? `Deploy ${slug.commit?.slice(0, 8) ?? slug.id.slice(0, 8)}`,
      userId: req.user!.id,
      audit: auditOf(req, "release.create", app, { slug: slug.id }),
    });
    res.status(201).json(shape(release, app, req));
  });

  router.get("/apps/:app/slugs/:slug", async (req, res) => {
    const app = appOf(res);
    res.json(slugShape(await getSlug(ctx.db, app.id, req.params.slug)));
  });

  // Restarting every dyno, or a process type's, is a new generation of the desired model: the dyno
  // manager replaces the dynos through the plan, by the app's strategy (preboot: new ones up first).
  router.delete("/apps/:app/dynos", async (req, res) => {
    const app = appOf(res);
    await restartFormation(ctx.db, app.id, undefined, auditOf(req, "dyno.restart", app, { dynos: "all" }));
    background(console.error, `${app.name}: logging a restart`, () => appendApiEvent(ctx.redis, app.name, "Restart", req.user!.email));
    await ctx.notifyFormation(app.name);
    res.status(202).json({});
  });

  // Heroku's DELETE /apps/:app/dynos/:dyno (restart) and POST …/actions/stop take a dyno's name
  // (`web.1`) or a process type (`web`). A one-off dyno stops either way; the formation's dynos are
  // replaced by the plan either way (the formation still wants them: `ps:scale` removes them), so a
  // stop fails no request.
  router.delete("/apps/:app/dynos/:dyno", (req, res) => restartOrStop(req, res, "dyno.restart"));
  router.post("/apps/:app/dynos/:dyno/actions/stop", (req, res) => restartOrStop(req, res, "dyno.stop"));
  // heroku's `ps:restart -p TYPE` and `ps:stop -p TYPE` name the process type under /formations.
  router.delete("/apps/:app/formations/:type", (req, res) => restartOrStop(req, res, "dyno.restart", { typeOnly: true }));
  router.post("/apps/:app/formations/:type/actions/stop", (req, res) => restartOrStop(req, res, "dyno.stop", { typeOnly: true }));

  async function restartOrStop(
    req: Request<{ app: string; dyno?: string; type?: string }>,
    res: Response,
    action: "dyno.restart" | "dyno.stop",
    opts: { typeOnly?: boolean } = {},
  ) {
    const app = appOf(res);
    const target = req.params.dyno ?? req.params.type!;
    const audit = auditOf(req, action, app, { dynos: target });
    const what = action === "dyno.restart" ? "Restart" : "Stop";
    const announce = () => background(console.error, `${app.name}: logging a ${what.toLowerCase()}`, () => appendApiEvent(ctx.redis, app.name, `${what} ${target}`, audit.actor));
    if ((await listFormation(ctx.db, app.id)).some((f) => f.type === target)) {
      await restartFormation(ctx.db, app.id, [target], audit);
      await ctx.notifyFormation(app.name);
      announce();
      return void res.status(202).json({});
    }
    if (opts.typeOnly) throw notFound(`Couldn't find that formation: ${target}.`);
    if (!(await listDynos(ctx.db, app.id)).some((d) => d.name === target)) throw notFound(`Couldn't find that dyno: ${target}.`);
    // One dyno: nothing in the database changes, so the entry is the change's only trace.
    await recordAudit(ctx.db, audit);
    await ctx.redis.publish(RESTART_CHANNEL, restartMessage(app.name, target));
    announce();
    res.status(202).json({});
  }

  return router;
}
