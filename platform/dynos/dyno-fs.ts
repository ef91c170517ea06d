// Dynos' file systems on the host, ready before a dyno starts: each slug is unpacked once per
// host (with the one safe unpacker, into a temp dir renamed into place, so a half-unpacked slug is
// never used), then mounted.
//
// - An app dyno's /app is an overlay: the slug's layers (platform/lib/slug-layers.ts) each
//   unpacked once, owned by the dyno user, as the read-only lower layers (a runtime layer shared
//   by every slug that has it), and a writable upper layer of the dyno's own. A dyno starts without a
//   copy of its slug, may write anywhere in /app as on Heroku, and what it writes goes to its own
//   layer, which is deleted with it: no other dyno, and no later start, sees it.
// - A build dyno runs the builder's slug unpacked owned by root and bind-mounted read-only: the
//   user code a build runs cannot change the builder's own files.
//
// - A build dyno gets its app's build cache on this host at /cache, where the app's next build
//   finds it without a transfer (apps/builder/build.ts). It is that app's alone, and is emptied
//   when a build leaves it past the cache size limit.
//
// Layout under the root: slugs/<hex> (slug layers), read-only/<hex> (build dynos' mounts),
// layers/<id>/{upper,work} (one per app dyno), caches/<app id> (build caches).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, utimesSync } from "node:fs";
import { chmod, chown, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { isUuid } from "../lib/ids.ts";
import { joinedSlug } from "../lib/slug-layers.ts";
import { archiveGunzip, extractArchive } from "../lib/safe-extract.ts";

/** The user every dyno runs as, and who owns what it may write. */
export const DYNO_UID = 1000;
/** A slug dir or layer younger than this is never collected: a start or a release may be about to use it. */
export const FRESH_MS = 2 * 60_000;

export interface DynoLayer {
  id: string;
  /** The overlay mount options of this layer over its slug. */
  overlayOptions: string;
}

export type DynoFs = ReturnType<typeof createDynoFs>;

export function createDynoFs(root: string) {
  // Overlay options are a comma-separated list of key=value, with ':' between lower dirs.
  if (/[,:=\s]/.test(root)) throw new Error(`dyno file systems cannot live under ${root}: the path must not hold ',', ':', '=' or spaces`);
  const unpacking = new Map<string, Promise<string>>();
  /** When each unpacked dir was last handed to a dyno: a collection never takes one handed out since it began. */
  const handedOut = new Map<string, number>();
  /** The dirs a collection is removing: a dyno that asks for one waits, then unpacks it again. */
  const removing = new Map<string, Promise<void>>();
  // The slugs are the dyno user's files: no user of the host (whatever its uid) may reach them.
  let rootMade: Promise<void> | undefined;
  const made = () =>
    (rootMade ??= (async () => {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await chmod(root, 0o700);
    })());

  /** One unpack per dir however many dynos ask at once; a dir that exists is touched (it is in use). */
  function unpacked(kind: "slugs" | "read-only", checksum: string, layerPaths: string[]): Promise<string> {
    const hex = checksumHex(checksum);
    const dir = join(root, kind, hex);
    // Marked and touched at once, before anything is awaited: a collection that has listed it as
    // old sees the mark, one that lists it later sees it fresh.
    handedOut.set(dir, Date.now());
    if (existsSync(dir)) touch(dir);
    const running = unpacking.get(dir);
    if (running) return running;
    const work = (async () => {
      // A collection removing it finishes first (whether or not it could); then it is unpacked again.
      await removing.get(dir)?.catch(() => {});
      if (existsSync(dir)) return dir;
      await made();
      await unpack(join(root, kind), hex, layerPaths, kind === "slugs" ? DYNO_UID : null);
      return dir;
    })().finally(() => unpacking.delete(dir));
    unpacking.set(dir, work);
    return work;
  }

  return {
    root,

    /** A slug's blob (a layer, or a slug of one piece) as an app dyno's lower layer: owned by the dyno user, never written to. */
    slug: (checksum: string, blobPath: string) => unpacked("slugs", checksum, [blobPath]),

    /** The slug, all its layers in one dir, as a build dyno's read-only /app: owned by root. */
    readOnlySlug: (checksum: string, layerPaths: string[]) => unpacked("read-only", checksum, layerPaths),

    /** A new writable layer over a slug's unpacked layers (bottom first), for one dyno. */
    async newLayer(lowers: string[]): Promise<DynoLayer> {
      const id = randomBytes(8).toString("hex");
      const dir = join(root, "layers", id);
      await made();
      await mkdir(join(dir, "work"), { recursive: true });
      // The merged /app's own owner and mode are the upper layer's root's.
      await mkdir(join(dir, "upper"), { mode: 0o755 });
      await chown(join(dir, "upper"), DYNO_UID, DYNO_UID);
      // Overlay lists its lower dirs top first.
      const lower = [...lowers].reverse().join(":");
      return { id, overlayOptions: `lowerdir=${lower},upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}` };
    },

    /** The app's build cache dir on this host, made when it has none. */
    async buildCache(appId: string): Promise<string> {
      if (!isUuid(appId)) throw new Error(`not an app id: ${appId}`);
      await made();
      const dir = join(root, "caches", appId);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chown(dir, DYNO_UID, DYNO_UID);
      return dir;
    },

    /**
     * After a build dyno of the app: deletes that build's work dir and, if the build died holding
     * it, its claimed cache (apps/builder/host-cache.ts), then empties the app's cache when it is
     * over `maxBytes` (a build's code writes it; the host checks). Returns the size found. Links
     * are counted and deleted, never followed.
     */
    async tidyBuildCache(appId: string, buildId: string, maxBytes: number): Promise<number> {
      if (!isUuid(appId)) return 0;
      const dir = join(root, "caches", appId);
      if (!existsSync(dir)) return 0;
      if (isUuid(buildId)) {
        for (const name of [`work-${buildId}`, `build-${buildId}`]) await rm(join(dir, name), { recursive: true, force: true });
      }
      const { stdout } = await promisify(execFile)("du", ["-s", "-B1", "-P", "-x", dir]);
      const bytes = Number(stdout.split("\t")[0]);
      if (bytes > maxBytes) {
        for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
      }
      return bytes;
    },

    /** Deletes the build caches of apps that no longer exist. */
    async collectBuildCaches(existing: (appIds: string[]) => Promise<Set<string>>): Promise<void> {
      const ids = (await readdir(join(root, "caches")).catch(() => [] as string[])).filter(isUuid);
      if (ids.length === 0) return;
      const alive = await existing(ids);
      for (const id of ids) if (!alive.has(id)) await rm(join(root, "caches", id), { recursive: true, force: true });
    },

    /** Deletes a dyno's layer, once its volume is gone. */
    async removeLayer(id: string): Promise<void> {
      if (!/^[0-9a-f]{16}$/.test(id)) return;
      await rm(join(root, "layers", id), { recursive: true, force: true });
    },

    /** Deletes the layers no volume names (a retire a dying manager left half done). */
    async sweepLayers(inUse: Set<string>): Promise<void> {
      for (const id of await olderEntries(join(root, "layers"))) {
        if (!inUse.has(id)) await rm(join(root, "layers", id), { recursive: true, force: true });
      }
    },

    /**
     * Deletes the unpacked slugs not in `keep` (checksums): those no dyno uses and no release in
     * the rollback window names. One used or unpacked lately stays, whatever `keep` says.
     */
    async collectSlugs(keep: Set<string>, opts: { listed?: () => Promise<unknown> } = {}): Promise<string[]> {
      const began = Date.now();
      const kept = new Set([...keep].map((c) => /^SHA256:([0-9a-f]{64})$/.exec(c)?.[1]).filter(Boolean));
      const removed: string[] = [];
      const listed = await Promise.all(["slugs", "read-only"].map(async (kind) => ({ kind, names: await olderEntries(join(root, kind)) })));
      // (A test's seam: what happens between the listing and the removals.)
      await opts.listed?.();
      for (const { kind, names } of listed) {
        for (const name of names) {
          const dir = join(root, kind, name);
          // Checked at the moment of removal, not when the list was made: removing a big dir takes
          // seconds, and meanwhile a new dyno may have been given one listed as old. (A partial
          // unpack this old was left by a process that died while unpacking.)
          if (kept.has(name) || unpacking.has(dir) || (handedOut.get(dir) ?? 0) >= began) continue;
          // Moved aside at once (a dyno asking for it now waits and unpacks it again), then deleted.
          const trash = join(root, kind, `.removing-${name}-${randomBytes(4).toString("hex")}`);
          const gone = rename(dir, trash).then(
            () => rm(trash, { recursive: true, force: true }),
            (error: NodeJS.ErrnoException) => {
              if (error.code !== "ENOENT") throw error;
            },
          );
          removing.set(dir, gone);
          try {
            await gone;
          } finally {
            removing.delete(dir);
            handedOut.delete(dir);
          }
          removed.push(`${kind}/${name}`);
        }
      }
      return removed;
    },
  };
}

/** A dir's times set to now: it is in use. */
function touch(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // Gone meanwhile: it is unpacked again.
  }
}

function checksumHex(checksum: string): string {
  const hex = /^SHA256:([0-9a-f]{64})$/.exec(checksum)?.[1];
  if (!hex) throw new Error(`not a slug checksum: ${checksum}`);
  return hex;
}

async function unpack(parent: string, hex: string, layerPaths: string[], owner: number | null): Promise<void> {
  await mkdir(parent, { recursive: true });
  const dir = join(parent, hex);
  const partial = join(parent, `.${hex}-${randomBytes(4).toString("hex")}`);
  try {
    await extractArchive(joinedSlug(layerPaths).pipe(archiveGunzip()), partial);
    // The unpacker writes as this process's user (root); a dyno's slug is the dyno user's, as a
    // slug put in place with the engine's archive upload was. Links are changed, not followed.
    if (owner !== null) await promisify(execFile)("chown", ["-hR", `${owner}:${owner}`, partial]);
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      // Another process unpacked the same slug meanwhile: theirs serves.
      if (!existsSync(dir)) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/** Entries of a directory last changed more than FRESH_MS ago (none when it does not exist). */
async function olderEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const old: string[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > FRESH_MS) old.push(name);
  }
  return old;
}
