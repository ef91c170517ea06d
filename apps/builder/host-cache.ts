// The app's build cache on the host a build dyno runs on (mounted at /cache by the dyno manager,
// the app's alone): its last successful build left it in `current`. A build takes it by renaming
// it to a dir of its own, so two builds of one app at once never share one; a build that
// succeeds puts its dir back as `current`, one that fails drops it (as Heroku, a cache is kept
// only from a successful build). No copy and no transfer: a rename each way.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";

/** A build's dir left behind this long ago was a build that died: nothing will use it again. */
const STALE_MS = 2 * 60 * 60_000;

export interface HostCache {
  dir: string;
  /** Whether a previous build's cache was there. */
  found: boolean;
  /** Makes this build's cache the app's (after a successful build). */
  keep(): Promise<void>;
  discard(): Promise<void>;
}

export async function claimHostCache(root: string, buildId: string): Promise<HostCache> {
  await removeStale(root);
  const current = join(root, "current");
  const dir = join(root, `build-${buildId}`);
  await rm(dir, { recursive: true, force: true });
  const found = await rename(current, dir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
  if (found) {
    // Its age is now this build's: a build starting meanwhile must not take it for a dead one's.
    const now = new Date();
    await utimes(dir, now, now);
  } else await mkdir(dir);
  return {
    dir,
    found,
    async keep() {
      // A build of the same app that finished meanwhile left its own: the newer one is kept.
      const old = join(root, `old-${buildId}`);
      await rename(current, old).catch(() => {});
      await rename(dir, current);
      await rm(old, { recursive: true, force: true });
    },
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs the build's compile; when it fails, its cache is dropped (the next build starts cold). */
export async function compileKeepingCache<T>(cache: HostCache | undefined, compile: () => Promise<T>): Promise<T> {
  try {
    return await compile();
  } catch (error) {
    await cache?.discard();
    throw error;
  }
}

async function removeStale(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (name === "current") continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_MS && existsSync(path)) await rm(path, { recursive: true, force: true });
  }
}
