// A cheap fingerprint of a directory tree (paths, sizes, mtimes): when the build
// cache's fingerprint is unchanged after a build, packing and uploading it again
// would only cost time. Synchronous on purpose: a warm cache is thousands of entries
// (a Node.js install, node_modules, npm's cache), and an awaited lstat each costs
// several times a plain one (0.45 s against 0.08 s for 5,300 entries), while the
// build dyno has nothing else to do meanwhile.
import { createHash } from "node:crypto";
import { type BigIntStats, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * Every entry under `dir`, depth first in byte order of names, each before its contents:
 * `visit(rel, info, path)` with `rel` as `${root}/name/…` and `info` from lstat.
 */
export function walkTree(dir: string, visit: (rel: string, info: BigIntStats, path: string) => void, root = ""): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = lstatSync(path, { bigint: true });
    visit(`${root}/${name}`, info, path);
    if (info.isDirectory()) walkTree(path, visit, `${root}/${name}`);
  }
}

export function fingerprint(dir: string): string {
  const hash = createHash("sha256");
  walkTree(dir, (rel, info) => hash.update(`${rel}\0${info.mode}\0${info.size}\0${info.mtimeNs}\n`));
  return hash.digest("hex");
}
