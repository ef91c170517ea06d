// Content-addressed files (sources, slugs) under the data dir, named by their
// sha256. Writes go to a temp file first, so a reader never sees half a blob.
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { digestMeter } from "../lib/digest-meter.ts";

export interface StoredBlob {
  checksum: string; // "SHA256:<hex>", as Heroku shows slug checksums
  size: number;
}

export interface BlobStore {
  put(input: Readable): Promise<StoredBlob>;
  path(checksum: string): string;
  has(checksum: string): boolean;
  read(checksum: string): Readable;
  /** Non-content-addressed files kept by key (build caches). */
  putKeyed(key: string, input: Readable): Promise<void>;
  keyedPath(key: string): string;
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

  async function writeTemp(input: Readable): Promise<StoredBlob & { file: string }> {
    const file = join(tmp, randomUUID());
    const meter = digestMeter();
    try {
      await pipeline(input, meter.stream, createWriteStream(file));
    } catch (error) {
      rmSync(file, { force: true });
      throw error;
    }
    return { file, ...meter.result() };
  }

  const store: BlobStore = {
    async put(input) {
      const { file, checksum, size } = await writeTemp(input);
      renameSync(file, store.path(checksum));
      return { checksum, size };
    },
    path: (checksum) => join(blobs, hexOf(checksum)),
    has: (checksum) => existsSync(store.path(checksum)),
    read: (checksum) => createReadStream(store.path(checksum)),
    async putKeyed(key, input) {
      const { file } = await writeTemp(input);
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
