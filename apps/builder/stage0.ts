// Bootstrap's stage 0: compile an app (the builder itself) before any builder dyno exists,
// with the very same build code, in a one-off container of the stack image.
//   node apps/builder/stage0.ts --source DIR|FILE.tar --out DIR [--cache DIR] [--buildpacks a,b]
// Writes the slug's layers as OUT/layer-<n>.tgz (bottom first) and OUT/result.json; build output
// goes to stdout.
import { createReadStream } from "node:fs";
import { cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import { isBuildError } from "./build-error.ts";
import { compile, slugSizeLimit } from "./compile.ts";
import { builderBuildpacksDir } from "./detect.ts";
import { DEFAULT_STACK } from "./job.ts";
import { packDirectory } from "./slug.ts";
import { extractSource } from "./source.ts";
import { joinedDigest } from "../../platform/lib/slug-layers.ts";

const { values } = parseArgs({
  options: {
    source: { type: "string" },
    out: { type: "string" },
    cache: { type: "string" },
    buildpacks: { type: "string" },
  },
});
if (!values.source || !values.out) {
  console.error("usage: stage0.ts --source DIR|FILE.tar --out DIR [--cache DIR] [--buildpacks a,b]");
  process.exit(2);
}

const source = resolve(values.source);
const out = resolve(values.out);
const workDir = await mkdtemp(join(tmpdir(), "ouro-stage0-"));
const buildDir = join(workDir, "build");
// Platform build settings come from the environment, as the API puts them in a BuildJob.
const buildEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] => /^npm_config_/i.test(entry[0]) && entry[1] !== undefined,
  ),
);

try {
  // The source goes through the same unpacking as a pushed commit in a builder dyno (same
  // checks, same normalised modes), so stage 0's slug digest is comparable with stage 1's.
  // A directory is packed first (without .git); the source itself is never written to.
  let archive: Readable;
  if ((await stat(source)).isFile()) {
    archive = createReadStream(source); // a `git archive` tar
  } else {
    const packed = join(workDir, "source.tgz");
    await packDirectory({ dir: source, out: packed, exclude: ["./.git"] });
    archive = createReadStream(packed).pipe(createGunzip());
  }
  await extractSource(archive, buildDir);
  const result = await compile({
    sourceDir: buildDir,
    cacheDir: values.cache ? resolve(values.cache) : join(workDir, "cache"),
    envDir: join(workDir, "env"),
    buildpacksDir: builderBuildpacksDir(),
    buildpacks: values.buildpacks ? values.buildpacks.split(",").filter(Boolean) : [],
    buildEnv,
    output: (text) => process.stdout.write(text),
    workDir: join(workDir, "out"),
    stack: process.env.STACK ?? DEFAULT_STACK,
    slugSizeLimit: slugSizeLimit(process.env.OURO_SLUG_SIZE_LIMIT),
  });
  const { checksum, size } = await joinedDigest(result.layers.map((l) => l.path));
  await mkdir(out, { recursive: true });
  const layers = [];
  for (const [index, layer] of result.layers.entries()) {
    const file = `layer-${index}.tgz`;
    await rename(layer.path, join(out, file)).catch(() => cp(layer.path, join(out, file)));
    layers.push({ file, checksum: layer.checksum, size: layer.size });
  }
  const { processTypes, buildpackDescription } = result;
  await writeFile(join(out, "result.json"), `${JSON.stringify({ checksum, size, layers, processTypes, buildpackDescription }, null, 2)}\n`);
} catch (error) {
  const message = isBuildError(error) ? error.message : (error as Error).stack;
  process.stderr.write(` !     ${message}\n`);
  process.exitCode = 1;
} finally {
  await rm(workDir, { recursive: true, force: true });
}
