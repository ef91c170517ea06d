// A build dyno's work: one build, in a fresh temp dir, talking to the API only with the
// build's own credential (from its environment, the only one it holds).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildApi, createBuildApi, sourceName } from "./api-client.ts";
import { isBuildError } from "./build-error.ts";
import { compile, slugSizeLimit } from "./compile.ts";
import type { BuildResult, BuildSpec } from "./job.ts";
import { fingerprint } from "./fingerprint.ts";
import { packDirectory } from "./slug.ts";
import { claimHostCache, compileKeepingCache } from "./host-cache.ts";

export interface BuildDeps {
  apiUrl: string;
  buildId: string;
  /** The build's credential. */
  token: string;
  buildpacksDir: string;
  stack: string;
  timeoutMs?: number; // at most; the build's deadline, if sooner, wins
  slugSizeLimit?: number; // bytes; the spec's buildEnv.OURO_SLUG_SIZE_LIMIT (MB) wins
  /** The app's build cache on this host (host-cache.ts); without one, the cache comes and goes as a tarball. */
  hostCacheDir?: string;
  log: (line: string) => void;
}

export async function processBuild(deps: BuildDeps): Promise<BuildResult> {
  const started = Date.now();
  const api = createBuildApi({ apiUrl: deps.apiUrl, buildId: deps.buildId, token: deps.token });
  const spec = await api.spec();
  deps.log(`build ${deps.buildId} app=${spec.app} started`);
  // On the cache's file system when the host has one: a buildpack can then link what it keeps
  // there into the build instead of copying it (the nodejs buildpack's Node.js install). The dyno
  // is stopped once its result is in, maybe before the end of this build's own clean-up: the host
  // deletes `work-<build id>` when it retires the dyno (platform/dynos/dyno-fs.ts).
  const workDir = deps.hostCacheDir ? await freshDir(join(deps.hostCacheDir, `work-${deps.buildId}`)) : await mkdtemp(join(tmpdir(), "ouro-build-"));
  const output = api.openOutput();
  let result: BuildResult;
  try {
    result = await build(spec, deps, api, output.write, workDir);
  } catch (error) {
    // The API prints the message to the pusher (" !     …") when it gets the result.
    const message = isBuildError(error) ? error.message : `The build failed inside Ouro: ${(error as Error).message}`;
    result = { status: "failed", message };
  }
  try {
    // All output is in before the result: the API ends the pusher's stream on the result.
    await output.close().catch((error: Error) => deps.log(`build ${deps.buildId} output stream lost: ${error.message}`));
    await api.postResult(result);
  } finally {
    await rm(workDir, { recursive: true, force: true });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    deps.log(`build ${deps.buildId} app=${spec.app} ${result.status} in ${seconds}s`);
  }
  return result;
}

async function freshDir(dir: string): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  return dir;
}

async function build(
  spec: BuildSpec,
  deps: BuildDeps,
  api: BuildApi,
  output: (text: string) => void,
  workDir: string,
): Promise<BuildResult> {
  const sourceDir = join(workDir, "build");
  const envDir = join(workDir, "env");
  if (spec.sourceUrl) {
    output(`-----> Fetching the source from ${sourceName(spec.sourceUrl)}\n`);
    await api.fetchSource(spec.sourceUrl);
  }
  const hostCache = deps.hostCacheDir ? await claimHostCache(deps.hostCacheDir, deps.buildId) : undefined;
  const cacheDir = hostCache?.dir ?? join(workDir, "cache");
  const [, restored] = await Promise.all([
    api.downloadSource(sourceDir),
    // On this host the cache is where the app's last build left it; else it comes as a tarball.
    hostCache?.found ? true : mkdir(cacheDir, { recursive: true }).then(() => api.downloadCache(cacheDir)),
  ]);
  if (restored) output("-----> Restoring cache\n");
  await mkdir(envDir);
  for (const [key, value] of Object.entries(spec.env)) await writeFile(join(envDir, key), value);
  const cacheBefore = fingerprint(cacheDir);

  const compiled = await compileKeepingCache(hostCache, () => compile({
    sourceDir,
    cacheDir,
    envDir,
    buildpacksDir: deps.buildpacksDir,
    buildpacks: spec.buildpacks,
    buildEnv: spec.buildEnv,
    output,
    workDir: join(workDir, "out"),
    stack: deps.stack,
    // Stopped early enough before the deadline to pack and upload the slug, or to report that
    // it was stopped, while the build's token still works.
    timeoutMs: Math.min(deps.timeoutMs ?? Infinity, Math.max(1_000, Date.parse(spec.deadline) - Date.now() - 30_000)),
    slugSizeLimit: spec.buildEnv.OURO_SLUG_SIZE_LIMIT ? slugSizeLimit(spec.buildEnv.OURO_SLUG_SIZE_LIMIT) : deps.slugSizeLimit,
    // The runtime packed for the app's last build here is not packed again (apps/builder/layers.ts).
    layersKeepDir: deps.hostCacheDir ? join(deps.hostCacheDir, "layers") : undefined,
  }));

  const saveCache = async () => {
    if (fingerprint(cacheDir) === cacheBefore) return;
    const cacheFile = join(workDir, "out", "cache.tgz");
    // CACHE_DIR/.host is a buildpack's to keep on this host only (what it can make again from the rest).
    await packDirectory({ dir: cacheDir, out: cacheFile, exclude: ["./.host"] });
    await api.uploadCache(cacheFile);
  };
  // The tarball too (the cache is portable to another host), then this host's copy is the app's again.
  // The API answers the slug's checksum, of its layers joined (each layer checked against what was packed).
  const [stored] = await Promise.all([api.uploadSlug(compiled.layers), saveCache().then(() => hostCache?.keep())]);
  return {
    status: "succeeded",
    checksum: stored.checksum,
    processTypes: compiled.processTypes,
    buildpackDescription: compiled.buildpackDescription,
    stack: deps.stack,
  };
}
