// Slugs unpacked once on the host, to be mounted read-only at /app: a dyno that mounts one can
// read and run its slug but change nothing in it. Build dynos run the builder's slug this way,
// so the user code a build runs cannot touch the builder's own files. Unpacked with the one safe
// unpacker, owned by root, into a temp dir renamed into place, so a half-unpacked slug is never
// mounted.
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { extractArchive } from "../lib/safe-extract.ts";

export async function unpackedSlug(opts: { root: string; checksum: string; slugPath: string }): Promise<string> {
  const hex = /^SHA256:([0-9a-f]{64})$/.exec(opts.checksum)?.[1];
  if (!hex) throw new Error(`not a slug checksum: ${opts.checksum}`);
  const dir = join(opts.root, hex);
  if (existsSync(dir)) return dir;
  await mkdir(opts.root, { recursive: true });
  const partial = join(opts.root, `.${hex}-${randomBytes(4).toString("hex")}`);
  try {
    await extractArchive(createReadStream(opts.slugPath).pipe(createGunzip()), partial);
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      // Another start unpacked the same slug meanwhile: theirs serves.
      if (!existsSync(dir)) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return dir;
}
