// Packs a compiled build dir as a slug in layers (platform/lib/slug-layers.ts): the runtime and
// the dependencies a layer each, then the app's files. A runtime the app's last build on this
// host packed is not packed again: its packed layer is kept by a fingerprint of the dir's files
// (their inodes, sizes and mtimes: the nodejs buildpack links a kept install into the build, so
// an unchanged runtime has the very same files). Dependencies are copied into each build (new
// inodes), so they are packed every time; their layer is still uploaded and unpacked once, as
// every layer is stored by its content. Either way the bytes are those of a fresh pack.
import { createHash } from "node:crypto";
import { lstatSync, readlinkSync } from "node:fs";
import { link, lstat, mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SLUG_LAYER_DIRS, joinedSize } from "../../platform/lib/slug-layers.ts";
import { walkTree } from "./fingerprint.ts";
import { type PackedSlug, packDirectory } from "./slug.ts";

export interface PackedLayer extends PackedSlug {
  path: string;
}

export interface LayeredSlug {
  /** Bottom first; the app's own layer last. One layer: the slug is that file. */
  layers: PackedLayer[];
  /** Bytes of the slug as one tarball. (Its checksum, that of its layers joined, is the API's to take: slug-layers.ts.) */
  size: number;
}

export interface PackLayersOptions {
  buildDir: string;
  /** Where the layers are written. */
  outDir: string;
  /** Entry names never packed ("./.git"). */
  exclude: string[];
  /** Where packed runtime layers are kept for the app's next build on this host (same file system as outDir). */
  keepDir?: string;
}

export async function packSlugLayers(options: PackLayersOptions): Promise<LayeredSlug> {
  await mkdir(options.outDir, { recursive: true });
  const below: string[] = [];
  for (const name of SLUG_LAYER_DIRS) if (await isRealDir(options.buildDir, name)) below.push(name);
  const app = packDirectory({ dir: options.buildDir, out: join(options.outDir, "app.tgz"), exclude: [...options.exclude, ...below] })
    .then((packed) => ({ ...packed, path: join(options.outDir, "app.tgz") }));
  const layers = await Promise.all([
    ...below.map((name, index) => {
      const out = join(options.outDir, `layer-${index}.tgz`);
      return KEPT_LAYER_DIRS.has(name) ? keptLayer(options, name, out) : packLayer(options, name, out);
    }),
    app,
  ]);
  return { layers, size: await joinedSize(layers.map((l) => l.path)) };
}

/** `name` and each dir above it are directories, not links. */
async function isRealDir(root: string, name: string): Promise<boolean> {
  let path = root;
  for (const part of name.split("/").slice(1)) {
    path = join(path, part);
    const info = await lstat(path).catch(() => null);
    if (!info?.isDirectory()) return false;
  }
  return true;
}

/** The layers worth keeping packed for the app's next build: their files are the same ones then. */
const KEPT_LAYER_DIRS = new Set<string>(["./.heroku/node"]);

const packLayer = (options: PackLayersOptions, name: string, out: string): Promise<PackedLayer> =>
  packDirectory({ dir: options.buildDir, out, only: name }).then((packed) => ({ ...packed, path: out }));

async function keptLayer(options: PackLayersOptions, name: string, out: string): Promise<PackedLayer> {
  const pack = () => packLayer(options, name, out);
  if (!options.keepDir) return pack();
  const key = filesFingerprint(options.buildDir, name);
  const kept = join(options.keepDir, key);
  const reused = await readFile(join(kept, "layer.json"), "utf8")
    .then((text) => JSON.parse(text) as PackedSlug)
    // A link of its own: the kept one may be swept while this build uploads.
    .then(async (packed) => (await link(join(kept, "layer.tgz"), out), { ...packed, path: out }))
    .catch(() => undefined);
  if (reused) return reused;
  const packed = await pack();
  // Kept if it can be: a build of the same app at once may sweep it, which costs only a pack.
  await keep(options.keepDir, key, packed).catch(() => {});
  return packed;
}

async function keep(keepDir: string, key: string, packed: PackedLayer): Promise<void> {
  // Only this runtime is worth keeping: an app changes runtimes seldom.
  await mkdir(keepDir, { recursive: true });
  for (const other of await readdir(keepDir)) if (!other.startsWith(key)) await rm(join(keepDir, other), { recursive: true, force: true });
  const partial = join(keepDir, `${key}.${process.pid}-${Date.now()}`);
  try {
    await mkdir(partial);
    await link(packed.path, join(partial, "layer.tgz"));
    await writeFile(join(partial, "layer.json"), JSON.stringify({ checksum: packed.checksum, size: packed.size }));
    await rename(partial, join(keepDir, key));
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
}

/**
 * What the packed layer depends on, read from the file system without reading a file: every
 * entry's name and mode, each file's inode, size and mtime, each link's target.
 */
function filesFingerprint(root: string, name: string): string {
  const hash = createHash("sha256");
  let path = root;
  for (const part of name.split("/").slice(1)) {
    path = join(path, part);
    hash.update(`${part}\0${lstatSync(path).mode}\n`);
  }
  walkTree(path, (rel, info, full) => {
    hash.update(`${rel}\0${info.mode}`);
    if (info.isDirectory()) hash.update("\n");
    else if (info.isSymbolicLink()) hash.update(`\0${readlinkSync(full)}\n`);
    else hash.update(`\0${info.ino}\0${info.size}\0${info.mtimeNs}\n`);
  }, name);
  return hash.digest("hex");
}
