// A slug in layers: the language runtime (`.heroku/node`) is a layer of its own, shared by every
// slug that has the same one, stored and unpacked once per host; so are the installed
// dependencies (`node_modules`), the same from push to push while the lockfile is; the app's own
// files are the small layer that changes. Each layer is a gzipped tar whose end-of-archive blocks are a gzip
// member of their own (apps/builder/slug.ts), so the slug as one tarball is its layers' bytes
// joined, bottom first, each but the last without that final member: no re-compression, and the
// slug's checksum is the digest of those joined bytes. The builder and the API both own this.
import { type Hash, createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";

/** The build dir's paths that become a layer each, bottom first, below the app's own files. */
export const SLUG_LAYER_DIRS = ["./.heroku/node", "./node_modules"] as const;

/** The tar's end: two zero blocks. */
export const TAR_END_BYTES = 1024;
/** The gzip member every layer ends with (zlib's level 1 of the tar's end, deterministic). */
export const LAYER_END = gzipSync(Buffer.alloc(TAR_END_BYTES), { level: 1 });

/** The blobs of a slug, bottom first: its layers, or, for a slug of one piece, itself. */
export function slugBlobs(slug: { checksum: string; layers: string[] | null }): string[] {
  return slug.layers && slug.layers.length > 0 ? slug.layers : [slug.checksum];
}

/** Whether a layer file ends with LAYER_END (so it can be joined with a layer above it). */
export async function endsAsLayer(path: string): Promise<boolean> {
  const { size } = await stat(path);
  if (size < LAYER_END.length) return false;
  const file = await open(path, "r");
  try {
    const tail = Buffer.alloc(LAYER_END.length);
    await file.read(tail, 0, tail.length, size - tail.length);
    return tail.equals(LAYER_END);
  } finally {
    await file.close();
  }
}

/** How many of a layer file's bytes the joined slug takes: all of the top one, the rest without their end member. */
async function joinedEnd(path: string, top: boolean): Promise<number> {
  const { size } = await stat(path);
  return top ? size : size - LAYER_END.length;
}

/** Byte ranges of the joined slug, bottom first. */
async function joinedRanges(paths: string[]): Promise<{ path: string; end: number }[]> {
  return Promise.all(paths.map(async (path, index) => ({ path, end: await joinedEnd(path, index === paths.length - 1) })));
}

/** The size of the slug its layer files make. */
export async function joinedSize(paths: string[]): Promise<number> {
  return (await joinedRanges(paths)).reduce((sum, range) => sum + Math.max(0, range.end), 0);
}

/** The slug as one gzipped tarball, streamed from its layer files (a reader that stops closes them). */
export function joinedSlug(paths: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const { path, end } of await joinedRanges(paths)) {
        if (end > 0) yield* createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1024 * 1024 });
      }
    })(),
    { objectMode: false },
  );
}

/** The checksum ("SHA256:<hex>") and size of the slug its layer files make. */
export function joinedDigest(paths: string[]): Promise<{ checksum: string; size: number }> {
  return joinedDigestFrom(paths.slice(0, -1))(paths[paths.length - 1]!);
}

/**
 * The same, begun on the lower layers at once and finished with the top layer's file once it is
 * there: hashing the layers a slug shares with others overlaps the upload of its own. The hash
 * of a list of lower layers is kept (a few of them, the last used): a push whose runtime and
 * dependencies did not change hashes only its own layer. Layer files are named by their
 * content, so the same paths are the same bytes.
 */
export function joinedDigestFrom(lowerPaths: string[]): (topPath: string) => Promise<{ checksum: string; size: number }> {
  const lowers = lowersHashed(lowerPaths);
  lowers.catch(() => {}); // awaited with the top; an error then fails the digest
  return async (topPath) => {
    const below = await lowers;
    // A copy: the kept hash goes on to serve other tops.
    const hash = below.hash.copy();
    const top = await hashRange(hash, topPath, await joinedEnd(topPath, true));
    return { checksum: `SHA256:${hash.digest("hex")}`, size: below.size + top };
  };
}

const KEPT_LOWER_HASHES = 32;
const lowerHashes = new Map<string, Promise<{ hash: Hash; size: number }>>();

function lowersHashed(lowerPaths: string[]): Promise<{ hash: Hash; size: number }> {
  const key = lowerPaths.join("\0");
  let kept = lowerHashes.get(key);
  if (!kept) {
    kept = (async () => {
      const hash = createHash("sha256");
      let size = 0;
      for (const path of lowerPaths) size += await hashRange(hash, path, await joinedEnd(path, false));
      return { hash, size };
    })();
    kept.catch(() => lowerHashes.delete(key));
  }
  // The last used go last; the first are the ones dropped.
  lowerHashes.delete(key);
  lowerHashes.set(key, kept);
  for (const old of lowerHashes.keys()) {
    if (lowerHashes.size <= KEPT_LOWER_HASHES) break;
    lowerHashes.delete(old);
  }
  return kept;
}

async function hashRange(hash: Hash, path: string, end: number): Promise<number> {
  if (end <= 0) return 0;
  for await (const chunk of createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return end;
}
