// Slugs as Heroku's: `GET /apps/:app/slugs/:id` answers the slug with its `blob`, a URL that is
// its own credential for an hour (made for the user who read the slug), where the slug's gzipped
// tarball can be fetched (a slug in layers: its layers joined); extracted to /app, it runs.
import { Router } from "express";
import { pipeline } from "node:stream/promises";
import { getSlug, getSlugById } from "../../db/index.ts";
import { OuroError, notFound, unauthorized } from "../../lib/errors.ts";
import { hostApiUrl } from "../../lib/config.ts";
import { isUuid } from "../../lib/ids.ts";
import { joinedSize, joinedSlug, slugBlobs } from "../../lib/slug-layers.ts";
import { openUserGrant, userGrantQuery } from "../../lib/tokens.ts";
import { appOf } from "../access.ts";
import { type ApiContext, apiNow } from "../context.ts";
import { slugShape } from "../shapes.ts";
import { userStillReaches } from "./outputs.ts";

export const SLUG_BLOB_TTL_MS = 60 * 60_000;
const scope = (slugId: string) => `slug-blob:${slugId}`;
const NOT_VALID = "This slug blob URL is not valid: read the slug again for a new one (GET /apps/:app/slugs/:id).";

export function slugRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get("/apps/:app/slugs/:slug", async (req, res) => {
    const slug = await getSlug(ctx.db, appOf(res).id, req.params.slug);
    const grant = { userId: req.user!.id, expiresAt: new Date(apiNow(ctx).getTime() + SLUG_BLOB_TTL_MS) };
    const url = `${hostApiUrl(ctx.config)}/slug-blobs/${slug.id}?${userGrantQuery(ctx.config.secrets.tokenSecret, scope(slug.id), grant).toString()}`;
    res.json(slugShape(slug, { method: "get", url }));
  });
  return router;
}

/** Mounted before authentication: the URL is the credential. */
export function slugBlobRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.get("/slug-blobs/:id", async (req, res) => {
    const { id } = req.params;
    if (!isUuid(id)) throw unauthorized(NOT_VALID);
    const grant = openUserGrant(ctx.config.secrets.tokenSecret, scope(id), req.url.split("?")[1] ?? "", apiNow(ctx), {
      invalid: NOT_VALID,
      expired: "This slug blob URL has expired: read the slug again for a new one (GET /apps/:app/slugs/:id).",
    });
    const slug = await getSlugById(ctx.db, id).catch(() => undefined);
    if (!slug || !(await userStillReaches(ctx.db, slug.app_id, grant.userId))) throw notFound("This slug blob URL's user can no longer read its app.");
    const blobs = slugBlobs(slug);
    if (!blobs.every((blob) => ctx.blobs.has(blob))) throw new OuroError(410, "gone", "This slug is no longer kept on this platform.");
    const paths = blobs.map((blob) => ctx.blobs.path(blob));
    res.setHeader("Content-Type", "application/gzip");
    res.setHeader("Content-Length", String(await joinedSize(paths)));
    // A slug in layers is its layers joined, as it was when its checksum was taken.
    await pipeline(joinedSlug(paths), res);
  });
  return router;
}
