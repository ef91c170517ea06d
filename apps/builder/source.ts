// The builder's side of the one safe unpacker (platform/lib/safe-extract.ts): a pushed source or
// a build cache that it refuses fails the build with its message.
import type { Readable } from "node:stream";
import { BuildError } from "./build-error.ts";
import { extractArchive } from "../../platform/lib/safe-extract.ts";

export async function extractSource(source: Readable, dir: string): Promise<void> {
  try {
    await extractArchive(source, dir);
  } catch (error) {
    if ((error as Error).name === "UnsafeArchiveError") throw new BuildError((error as Error).message);
    throw error;
  }
}
