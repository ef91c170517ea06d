import { type Request, Router } from "express";
import { z } from "zod";
import {
  type AppRow,
  type ReleaseRow,
  type SlugRow,
  getRelease,
  getSlug,
  listReleases,
  releasePhaseVersions,
} from "../../db/index.ts";
import { invalidParams } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { eligibleForRollback, releaseShape } from "../shapes.ts";
import { outputUrl } from "./outputs.ts";
import { sendList } from "../ranges.ts";
import { slugBlobs } from "../../lib/slug-layers.ts";

const CreateRelease = z
  .object({
    release: z.union([z.string().min(1), z.number().int()]).optional(),
    slug: z.string().min(1).optional(),
    description: z.string().min(1).max(500).optional(),
  })
  .refine((b) => (b.release === undefined) !== (b.slug === undefined), "give either release (to roll back to) or slug");

/** Releases (a rollback, or a release of a slug) and slugs; builds are builds.ts's. */
export function releaseRoutes(ctx: ApiContext): Router {
  const router = Router();
  /** The releases as the caller reads them: with their output's URL, made for them, where there is output. */
  const shapes = async (releases: ReleaseRow[], app: AppRow, req: Request) => {
    const withPhase = await releasePhaseVersions(ctx.db, app.id);
    return releases.map((r) => releaseShape(r, app, withPhase.has(r.version) ? outputUrl(ctx, "release", r.id, req.user!.id) : null));
  };
  const shape = async (release: ReleaseRow, app: AppRow, req: Request) => (await shapes([release], app, req))[0]!;

  router.get("/apps/:app/releases", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, await shapes(await listReleases(ctx.db, app.id), app, req), { version: (r) => r.version, id: (r) => r.id });
  });

  router.get("/apps/:app/releases/:release", async (req, res) => {
    const app = appOf(res);
    res.json(await shape(await getRelease(ctx.db, app.id, req.params.release), app, req));
  });

  // The config a release ran (or would have run) with, as `heroku releases:info` shows it.
  router.get("/apps/:app/releases/:release/config-vars", async (req, res) => {
    const app = appOf(res);
    res.json((await getRelease(ctx.db, app.id, req.params.release)).config);
  });

  // Heroku's release create: `{"release": ID}` rolls back to that release (its slug and its whole
  // config, a new version); `{"slug": ID}` releases a slug of the app with the current config.
  // Either deploys like a push: current once its web dynos are up, the running release kept if not.
  /** A slug past the retention (builds/retention.ts) cannot be released again: say what to do. */
  async function slugStillKept(slug: SlugRow, what: string) {
    if (slugBlobs(slug).every((blob) => ctx.blobs.has(blob))) return;
    throw invalidParams(
      `${what} cannot be released again: its slug is no longer kept (Ouro keeps the slugs of each app's ${ctx.limits.slugReleasesKept} newest releases). Push that commit again instead.`,
    );
  }

  router.post("/apps/:app/releases", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(CreateRelease, req.body);
    if (body.release !== undefined) {
      const target = await getRelease(ctx.db, app.id, String(body.release));
      if (!eligibleForRollback(target)) {
        throw invalidParams(`v${target.version} cannot be rolled back to: ${target.slug_id ? `it ${target.status === "failed" ? "failed" : "never became current"}` : "it has no slug"}.`);
      }
      await slugStillKept(await getSlug(ctx.db, app.id, target.slug_id!), `v${target.version}`);
      const release = await ctx.builds.releaseChange({
        app,
        slugId: target.slug_id!,
        config: target.config,
        description: body.description ?? `Rollback to v${target.version}`,
        userId: req.user!.id,
        audit: auditOf(req, "release.rollback", app, { to: target.version }),
      });
      return void res.status(201).json(await shape(release, app, req));
    }
    const slug = await getSlug(ctx.db, app.id, body.slug!);
    await slugStillKept(slug, `Slug ${slug.id}`);
    const release = await ctx.builds.releaseChange({
      app,
      slugId: slug.id,
      description: body.description ?? `Deploy ${slug.commit?.slice(0, 8) ?? slug.id.slice(0, 8)}`,
      userId: req.user!.id,
      audit: auditOf(req, "release.create", app, { slug: slug.id }),
    });
    res.status(201).json(await shape(release, app, req));
  });

  return router;
}
