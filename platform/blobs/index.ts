// Content-addressed files (sources, slugs) under the data dir, named by their
// sha256. Writes go to a temp file first, so a reader never sees half a blob.
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { digestMeter } from "../lib/digest-meter.ts";
import { OuroError } from "../lib/errors.ts";

export interface StoredBlob {
  checksum: string; // "SHA256:<hex>", as Heroku shows slug checksums
  size: number;
}

export interface BlobStore {
  /** `maxBytes`: a longer input is refused (413) and nothing is kept. */
  put(input: Readable, opts?: { maxBytes?: number }): Promise<StoredBlob>;
  path(checksum: string): string;
  has(checksum: string): boolean;
  read(checksum: string): Readable;
  /** Every blob, with when it was written (builds/retention.ts decides what goes). */
  list(): { checksum: string; writtenAt: number }[];
  remove(checksum: string): void;
  /** Non-content-addressed files kept by key (build caches). */
  putKeyed(key: string, input: Readable, opts?: { maxBytes?: number }): Promise<void>;
  keyedPath(key: string): string;
  listKeyed(): string[];
  removeKeyed(key: string): void;
}

const hexOf = (checksum: string) => {
  const match = /^SHA256:([0-9a-f]{64})$/.exec(checksum);
  if (!match) throw new Error(`not a blob checksum: ${checksum}`);
  return match[1]!;
};

export function createBlobStore(root: string): BlobStore {
  const blobs = join(root, "sha256");
  const keyed = join(root, "keyed");
  const tmp = join(root, "tmp");
  for (const dir of [blobs, keyed, tmp]) mkdirSync(dir, { recursive: true });

  async function writeTemp(input: Readable, maxBytes = Infinity): Promise<StoredBlob & { file: string }> {
    const file = join(tmp, randomUUID());
    const meter = digestMeter();
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        if (seen > maxBytes) done(new OuroError(413, "payload_too_large", `This upload is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB allowed.`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(input, limit, meter.stream, createWriteStream(file));
    } catch (error) {
      rmSync(file, { force: true });
      throw error;
    }
    return { file, ...meter.result() };
  }

  const store: BlobStore = {
    async put(input, opts) {
      const { file, checksum, size } = await writeTemp(input, opts?.maxBytes);
      renameSync(file, store.path(checksum));
      return { checksum, size };
    },
    path: (checksum) => join(blobs, hexOf(checksum)),
    has: (checksum) => existsSync(store.path(checksum)),
    read: (checksum) => createReadStream(store.path(checksum)),
    list: () =>
      readdirSync(blobs)
        .filter((name) => /^[0-9a-f]{64}$/.test(name))
        .flatMap((hex) => {
          const info = statSync(join(blobs, hex), { throwIfNoEntry: false });
          return info ? [{ checksum: `SHA256:${hex}`, writtenAt: info.mtimeMs }] : [];
        }),
    remove: (checksum) => rmSync(store.path(checksum), { force: true }),
    listKeyed: () => readdirSync(keyed),
    removeKeyed: (key) => rmSync(store.keyedPath(key), { force: true }),
    async putKeyed(key, input, opts) {
      const { file } = await writeTemp(input, opts?.maxBytes);
      renameSync(file, store.keyedPath(key));
    },
    keyedPath: (key) => {
      if (!/^[A-Za-z0-9._-]+$/.test(key)) throw new Error(`bad blob key ${key}`);
      return join(keyed, key);
    },
  };
  return store;
}

export function blobSize(path: string): number {
  return statSync(path).size;
}
