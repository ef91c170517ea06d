// The build runner: detect, compile, release, pack. No network: the worker (or stage 0)
// brings the source and cache in and takes the slug out.
import { access, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BuildError } from "./build-error.ts";
import { copyOwnBuildpacks } from "./buildpack-fetch.ts";
import { requestedBuildpacks } from "./buildpack-list.ts";
import { selectBuildpacks } from "./detect.ts";
import { DEFAULT_SLUG_SIZE_LIMIT_MB, DEFAULT_STACK } from "./job.ts";
import { parseDefaultProcessTypes, resolveProcessTypes } from "./release.ts";
import { buildpackEnv, runScript, runStep } from "./run.ts";
import { type PackedLayer, packSlugLayers } from "./layers.ts";
import { applySlugignore } from "./slugignore.ts";

export interface CompileOptions {
  sourceDir: string; // the build dir: buildpacks compile the app in place
  cacheDir: string;
  envDir: string;
  buildpacksDir: string; // the builder's own buildpacks (copied per build, never written to)
  buildpacks?: string[]; // the app's list; empty or absent: BUILDPACK_URL, .buildpacks, else detection
  buildEnv: Record<string, string>; // exported to buildpacks (NPM_CONFIG_REGISTRY, ...)
  output: (text: string) => void;
  workDir: string; // where the slug is written; also holds the build's scratch (HOME, TMPDIR, buildpacks)
  slugSizeLimit?: number; // bytes of the compressed slug; default DEFAULT_SLUG_SIZE_LIMIT
  stack?: string;
  timeoutMs?: number; // buildpacks still running then are killed and the build fails
  stepTimeoutMs?: number; // each bin/detect, bin/release and export (default STEP_TIMEOUT_MS)
  /** Where packed runtime layers are kept for the app's next build on this host (apps/builder/layers.ts). */
  layersKeepDir?: string;
}

export interface CompileResult {
  /** The slug's layers, bottom first (platform/lib/slug-layers.ts), each with its checksum. */
  layers: PackedLayer[];
  size: number; // of the slug as one tarball
  processTypes: Record<string, string>;
  buildpackDescription: string;
}

export const DEFAULT_SLUG_SIZE_LIMIT = DEFAULT_SLUG_SIZE_LIMIT_MB * 1024 * 1024;

/** OURO_SLUG_SIZE_LIMIT (megabytes) as bytes; unset means the default. */
export function slugSizeLimit(megabytes: string | undefined): number {
  if (megabytes === undefined || megabytes.trim() === "") return DEFAULT_SLUG_SIZE_LIMIT;
  const mb = Number(megabytes);
  if (!Number.isFinite(mb) || mb <= 0) {
    throw new BuildError(`OURO_SLUG_SIZE_LIMIT is "${megabytes}"; it must be a positive number of megabytes.`);
  }
  return Math.round(mb * 1024 * 1024);
}

export async function compile(options: CompileOptions): Promise<CompileResult> {
  // Every build starts from nothing the previous one left: its own HOME, TMPDIR and buildpack
  // copies under workDir, made empty here and removed at the end.
  const scratch = join(resolve(options.workDir), "scratch");
  await rm(scratch, { recursive: true, force: true });
  try {
    return await compileIn(scratch, options);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function compileIn(scratch: string, options: CompileOptions): Promise<CompileResult> {
  const { output } = options;
  // Buildpacks run with the build dir as cwd: every path they get must be absolute.
  const buildDir = resolve(options.sourceDir);
  const cacheDir = resolve(options.cacheDir);
  const envDir = resolve(options.envDir);
  const ownDir = join(scratch, "buildpacks", "own");
  for (const dir of ["home", "tmp", "buildpacks/fetched"]) await mkdir(join(scratch, dir), { recursive: true });
  await copyOwnBuildpacks(resolve(options.buildpacksDir), ownDir);
  let env = buildpackEnv({
    STACK: options.stack ?? DEFAULT_STACK,
    ...options.buildEnv,
    HOME: join(scratch, "home"),
    TMPDIR: join(scratch, "tmp"),
  });
  const signal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const checkTime = () => {
    if (signal?.aborted) {
      const seconds = Math.round((options.timeoutMs ?? 0) / 1000);
      const limit = seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
      throw new BuildError(`The build was stopped after ${limit}. Make it faster, or vendor what it downloads.`);
    }
  };
  await mkdir(cacheDir, { recursive: true });
  await mkdir(envDir, { recursive: true });

  const buildpacks = await selectBuildpacks({
    ownDir,
    fetchDir: join(scratch, "buildpacks", "fetched"),
    requested: await requestedBuildpacks({ job: options.buildpacks ?? [], envDir, buildDir }),
    buildDir,
    env,
    output,
    signal,
    stepTimeoutMs: options.stepTimeoutMs,
  });
  checkTime();

  let defaults: Record<string, string> = {};
  for (const [index, buildpack] of buildpacks.entries()) {
    output(`-----> ${buildpack.description} app detected\n`);
    const code = await runScript({
      command: join(buildpack.dir, "bin", "compile"),
      args: [buildDir, cacheDir, envDir],
      env,
      cwd: buildDir,
      stdout: output,
      stderr: output,
      signal,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new BuildError(`The ${buildpack.name} buildpack has no runnable bin/compile (${error.code ?? error.message}).`);
    });
    checkTime();
    if (code !== 0) {
      throw new BuildError(
        `The ${buildpack.name} buildpack failed to compile this app (bin/compile exited ${code}). ` +
          "The build output above says why.",
      );
    }
    const step = { signal, timeoutMs: options.stepTimeoutMs };
    defaults = { ...defaults, ...(await release(buildpack, buildDir, env, output, step)) };
    checkTime();
    // Heroku's multi-buildpack contract: what one buildpack exports, the next one sees.
    if (index < buildpacks.length - 1) env = await sourceExport(buildpack, env, buildDir, step);
    checkTime();
  }

  output("-----> Discovering process types\n");
  const processTypes = await resolveProcessTypes(buildDir, defaults);
  output(`       Process types -> ${Object.keys(processTypes).join(", ")}\n`);

  const ignored = await applySlugignore(buildDir);
  if (ignored !== null) output(`-----> Removed ${ignored.length} path(s) matched by .slugignore\n`);

  output("-----> Compressing...");
  const slugDir = join(options.workDir, "slug");
  await rm(slugDir, { recursive: true, force: true });
  const slug = await packSlugLayers({ buildDir, outDir: slugDir, exclude: ["./.git"], keepDir: options.layersKeepDir });
  output(` done, ${megabytes(slug.size)}\n`);
  const limit = options.slugSizeLimit ?? DEFAULT_SLUG_SIZE_LIMIT;
  if (slug.size > limit) {
    await rm(slugDir, { recursive: true, force: true });
    throw new BuildError(
      `Compiled slug size: ${megabytes(slug.size)} is too large (max is ${megabytes(limit)}). ` +
        "List what the app does not need at run time (tests, docs, sources a build step compiled, caches) in a .slugignore file at its root.",
    );
  }
  output("-----> Launching...\n");

  const last = buildpacks[buildpacks.length - 1];
  return { ...slug, processTypes, buildpackDescription: last?.description ?? "" };
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)}MB`;

async function release(
  buildpack: { name: string; dir: string },
  buildDir: string,
  env: Record<string, string>,
  output: (text: string) => void,
  step: { signal?: AbortSignal; timeoutMs?: number },
): Promise<Record<string, string>> {
  let yaml = "";
  const code = await runStep({
    ...step,
    what: `The ${buildpack.name} buildpack's bin/release`,
    command: join(buildpack.dir, "bin", "release"),
    args: [buildDir],
    env,
    cwd: buildDir,
    stdout: (text) => (yaml = (yaml + text).slice(0, 64 * 1024)),
    stderr: output,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null; // bin/release is optional
    throw error;
  });
  if (code === null) return {};
  if (code !== 0) throw new BuildError(`The ${buildpack.name} buildpack's bin/release exited ${code}.`);
  return parseDefaultProcessTypes(yaml);
}

// Runs the buildpack's `export` script (if any) in bash and keeps the environment it leaves.
async function sourceExport(
  buildpack: { name: string; dir: string },
  env: Record<string, string>,
  cwd: string,
  step: { signal?: AbortSignal; timeoutMs?: number },
): Promise<Record<string, string>> {
  const file = join(buildpack.dir, "export");
  if (!(await access(file).then(() => true, () => false))) return env;
  let dump = "";
  const code = await runStep({
    ...step,
    what: `The ${buildpack.name} buildpack's export file`,
    command: "bash",
    args: ["-c", 'set -a; . "$1" >/dev/null; env -0', "export", file],
    env,
    cwd,
    stdout: (text) => (dump += text),
    stderr: () => {},
  });
  if (code !== 0) throw new BuildError(`The ${buildpack.name} buildpack's export file failed (exit ${code}).`);
  const next: Record<string, string> = {};
  for (const pair of dump.split("\0")) {
    const eq = pair.indexOf("=");
    if (eq > 0) next[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return next;
}
