// What the blob store keeps: disk stays bounded however often an app is pushed. The slugs of
// each app's newest releases (OURO_SLUG_RETENTION, 20 by default: api/limits.ts) stay, so any of
// them can be rolled back to; older slugs, and the sources of builds over an hour old, are deleted.
// A release whose slug is gone is refused as a rollback target with what to do instead.
import { rm } from "node:fs/promises";
import type { BlobStore } from "../blobs/index.ts";
import { type Db, collectableBlobChecksums } from "../db/index.ts";

/** Deletes the blobs of slugs and sources nothing needs; returns how many were deleted. */
export async function collectBlobs(db: Db, blobs: BlobStore, releasesKept: number): Promise<number> {
  let removed = 0;
  for (const checksum of await collectableBlobChecksums(db, releasesKept)) {
    if (!blobs.has(checksum)) continue;
    await rm(blobs.path(checksum), { force: true });
    removed++;
  }
  return removed;
}
