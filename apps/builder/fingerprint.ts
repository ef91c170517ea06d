// A cheap fingerprint of a directory tree (paths, sizes, mtimes): when the build
// cache's fingerprint is unchanged after a build, packing and uploading it again
// would only cost time. Synchronous on purpose: a warm cache is thousands of entries
// (a Node.js install, node_modules, npm's cache), and an awaited lstat each costs
// several times a plain one (0.45 s against 0.08 s for 5,300 entries), while the
// build dyno has nothing else to do meanwhile.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function fingerprint(dir: string): string {
  const hash = createHash("sha256");
  function walk(path: string, rel: string): void {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const info = lstatSync(full);
      hash.update(`${rel}/${name}\0${info.mode}\0${info.size}\0${info.mtimeMs}\n`);
      if (info.isDirectory()) walk(full, `${rel}/${name}`);
    }
  }
  walk(dir, "");
  return hash.digest("hex");
}
