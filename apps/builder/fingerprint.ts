// A cheap fingerprint of a directory tree (paths, sizes, mtimes): when the build
// cache's fingerprint is unchanged after a build, packing and uploading it again
// would only cost time.
import { createHash } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

export async function fingerprint(dir: string): Promise<string> {
  const hash = createHash("sha256");
  async function walk(path: string, rel: string): Promise<void> {
    const entries = (await readdir(path)).sort();
    for (const name of entries) {
      const full = join(path, name);
      const info = await lstat(full);
      hash.update(`${rel}/${name}\0${info.mode}\0${info.size}\0${info.mtimeMs}\n`);
      if (info.isDirectory()) await walk(full, `${rel}/${name}`);
    }
  }
  await walk(dir, "");
  return hash.digest("hex");
}
