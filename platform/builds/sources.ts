// Sources for the Build API, as Heroku's sources endpoint: `POST /apps/:app/sources` (or
// `/sources`) answers a put_url to upload a gzipped tarball to and a get_url to create a build
// from, each a URL that is its own credential for an hour. Ouro keeps what was uploaded, and a
// build from a get_url reads it from the blob store: the API never fetches a URL a user names.
//
// A build's source is the tree `git archive` gives a push: files at the top. An uploaded tarball
// is turned into one: gunzipped if it is gzipped, and its single top-level directory taken away
// if everything is in one (the form of a repository archive, as Heroku accepts). Its entries are
// only renamed here; the build dyno's unpacker (lib/safe-extract.ts) checks every path.
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Redis } from "ioredis";
import tar from "tar-stream";
import type { BlobStore, StoredBlob } from "../blobs/index.ts";
import { OuroError, unauthorized } from "../lib/errors.ts";
import { archiveGunzip } from "../lib/safe-extract.ts";
import { isUuid } from "../lib/ids.ts";
import { type UserGrant, openUserGrant, userGrantQuery } from "../lib/tokens.ts";

export const SOURCE_TTL_MS = 60 * 60_000;

/** `userId`: who asked for it. */
export interface SourceGrant extends UserGrant {
  sourceId: string;
}

type Use = "get" | "put";
const scope = (use: Use, sourceId: string) => `source-${use}:${sourceId}`;
const NOT_VALID = "This source URL is not valid: ask for a new one (POST /apps/:app/sources).";

/** The source's two URLs under the API's `base` (http://127.0.0.1:5000). */
export function sourceUrls(secret: string, base: string, grant: SourceGrant): { get_url: string; put_url: string } {
  const url = (use: Use) => `${base}/sources/${grant.sourceId}?${userGrantQuery(secret, scope(use, grant.sourceId), grant).toString()}`;
  return { get_url: url("get"), put_url: url("put") };
}

/** The grant of a source URL for `use`; refuses one altered or for the other use (401) or past its hour (403). */
export function openSource(secret: string, use: Use, sourceId: string, query: string, now: Date): SourceGrant {
  if (!isUuid(sourceId)) throw unauthorized(NOT_VALID);
  const grant = openUserGrant(secret, scope(use, sourceId), query, now, {
    invalid: NOT_VALID,
    expired: "This source URL has expired: ask for a new one (POST /apps/:app/sources).",
  });
  return { sourceId, ...grant };
}

/** What was uploaded to a source: the blob as sent, and the tree a build reads. */
export interface UploadedSource {
  /** The upload as sent (`SHA256:…`, what a build's source_blob.checksum is checked against). */
  checksum: string;
  size: number;
  /** The source as a build reads it: an uncompressed tar, files at the top. */
  tree: string;
}

const key = (sourceId: string) => `ouro:source:${sourceId}`;

export async function recordUpload(redis: Redis, sourceId: string, upload: UploadedSource, until: Date): Promise<void> {
  await redis.set(key(sourceId), JSON.stringify(upload), "PXAT", until.getTime());
}

export async function uploadedSource(redis: Redis, sourceId: string): Promise<UploadedSource | undefined> {
  const saved = await redis.get(key(sourceId));
  return saved ? (JSON.parse(saved) as UploadedSource) : undefined;
}

/**
 * Stores the tree of an uploaded tarball (`checksum`, in `blobs`) and answers it; 422 with the
 * reason for one that is not a tarball, 413 for a tree past `maxBytes`.
 */
export async function storeSourceTree(blobs: BlobStore, checksum: string, maxBytes: number): Promise<StoredBlob> {
  const gzipped = await startsWithGzip(blobs.path(checksum));
  const read = () => {
    const raw = blobs.read(checksum);
    if (!gzipped) return raw;
    // A failed read fails the gunzip; a gunzip given up on (a tree past the limit) closes the file.
    const gunzip = archiveGunzip();
    raw.on("error", (error) => gunzip.destroy(error));
    gunzip.on("close", () => raw.destroy());
    return raw.pipe(gunzip);
  };
  try {
    const top = await singleTopDirectory(read());
    return await blobs.put(renamed(read(), top), { maxBytes });
  } catch (error) {
    if (error instanceof OuroError) throw error;
    throw new OuroError(422, "invalid_params", `The uploaded source is not a tarball (tar, or tar.gz) Ouro can read: ${(error as Error).message}`);
  }
}

async function startsWithGzip(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await file.close();
  }
}

const withoutDot = (name: string) => name.replace(/^(\.\/)+/, "");

/** The one directory every entry is in (`app/`), if there is one. */
async function singleTopDirectory(input: Readable): Promise<string | undefined> {
  const tops = new Set<string>();
  let atTop = false; // an entry that is itself at the top level, not a directory
  const extract = tar.extract();
  const fed = pipeline(input, extract);
  try {
    for await (const entry of extract) {
      const { header } = entry;
      entry.resume();
      const name = withoutDot(header.name);
      const slash = name.indexOf("/");
      if (slash < 0 || slash === name.length - 1) {
        if (header.type !== "directory") atTop = true;
        tops.add(slash < 0 ? name : name.slice(0, slash));
      } else tops.add(name.slice(0, slash));
    }
  } finally {
    await fed.catch(() => {}); // the loop's own error says it; the pipeline's is the same one
  }
  await fed;
  const [only] = tops;
  return tops.size === 1 && !atTop && only ? `${only}/` : undefined;
}

/** The archive again, with `top` taken off the front of every name (and of hard links' targets). */
function renamed(input: Readable, top: string | undefined): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const strip = (name: string) => {
    if (!top) return name;
    const bare = withoutDot(name);
    return bare === top.slice(0, -1) ? "" : bare.startsWith(top) ? bare.slice(top.length) : bare;
  };
  (async () => {
    for await (const entry of extract) {
      const { header } = entry;
      const name = strip(header.name);
      if (name === "") {
        entry.resume();
        continue;
      }
      const linkname = header.type === "link" && header.linkname ? strip(header.linkname) : header.linkname;
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ ...header, name, linkname, pax: undefined }, (error) => (error ? reject(error) : resolve()));
        pipeline(entry, sink).catch(reject);
      });
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  pipeline(input, extract).catch((error: Error) => pack.destroy(error));
  const out = Readable.from(pack);
  // Its reader stopped (the tree is past the limit): the archive is read no further, and closed.
  out.on("close", () => extract.destroy());
  return out;
}
