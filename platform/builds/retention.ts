// What the blob store keeps: disk stays bounded however often an app is pushed. The slugs of
// each app's current release and newest releases (OURO_SLUG_RETENTION, 20 by default:
// api/limits.ts) stay, so any of them can be rolled back to; older slugs and the sources of
// builds over an hour old go; a blob nothing names (an upload no build used, what a deleted app
// left) goes once it is an hour old (a source URL is valid that long), and so do deleted apps'
// build caches. A release whose slug is gone is refused as a rollback target with what to do.
import type { BlobStore } from "../blobs/index.ts";
import { type Db, existingAppIds, keptBlobChecksums, namedBlobChecksums } from "../db/index.ts";

/** No blob this young is deleted: what names it (a build of a source pushed again) may be on its way. */
export const FRESH_BLOB_MS = 2 * 60_000;
/** A blob nothing names is kept this long: an uploaded source's URL may still make a build of it. */
export const UNNAMED_BLOB_GRACE_MS = 60 * 60_000;

/** Deletes the blobs and build caches nothing needs; returns how many were deleted. */
export async function collectBlobs(db: Db, blobs: BlobStore, releasesKept: number, now = Date.now()): Promise<number> {
  // Named first: a blob named after this read is younger than the grace, or kept.
  const named = await namedBlobChecksums(db);
  const kept = await keptBlobChecksums(db, releasesKept);
  let removed = 0;
  for (const blob of blobs.list()) {
    const age = now - blob.writtenAt;
    if (kept.has(blob.checksum) || age < FRESH_BLOB_MS) continue;
    if (!named.has(blob.checksum) && age < UNNAMED_BLOB_GRACE_MS) continue;
    blobs.remove(blob.checksum);
    removed++;
  }
  const caches = new Map(blobs.listKeyed().flatMap((key) => {
    const appId = /^cache-([0-9a-f-]{36})\.tar\.gz$/.exec(key)?.[1];
    return appId ? [[appId, key] as const] : [];
  }));
  const apps = caches.size > 0 ? await existingAppIds(db, [...caches.keys()]) : new Set<string>();
  for (const [appId, key] of caches) {
    if (apps.has(appId)) continue;
    blobs.removeKeyed(key);
    removed++;
  }
  return removed;
}
