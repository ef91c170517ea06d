// The build runner: detect, compile, release, pack. No network: the worker (or stage 0)
// brings the source and cache in and takes the slug out.
import { access, mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { BuildError } from "./build-error.ts";
import { selectBuildpacks } from "./detect.ts";
import { DEFAULT_STACK } from "./job.ts";
import { parseDefaultProcessTypes, resolveProcessTypes } from "./release.ts";
import { buildpackEnv, runScript } from "./run.ts";
import { packDirectory } from "./slug.ts";

export interface CompileOptions {
  sourceDir: string; // the build dir: buildpacks compile the app in place
  cacheDir: string;
  envDir: string;
  buildpacksDir: string;
  buildpacks?: string[]; // empty or absent: detect among DEFAULT_BUILDPACKS
  buildEnv: Record<string, string>; // exported to buildpacks (NPM_CONFIG_REGISTRY, ...)
  output: (text: string) => void;
  workDir: string; // where the slug is written
  stack?: string;
  timeoutMs?: number; // buildpacks still running then are killed and the build fails
}

export interface CompileResult {
  slugPath: string;
  checksum: string; // "SHA256:<hex>"
  size: number;
  processTypes: Record<string, string>;
  buildpackDescription: string;
}

export async function compile(options: CompileOptions): Promise<CompileResult> {
  const { output } = options;
  // Buildpacks run with the build dir as cwd: every path they get must be absolute.
  const buildDir = resolve(options.sourceDir);
  const cacheDir = resolve(options.cacheDir);
  const envDir = resolve(options.envDir);
  let env = buildpackEnv({ STACK: options.stack ?? DEFAULT_STACK, ...options.buildEnv });
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
    buildpacksDir: resolve(options.buildpacksDir),
    requested: options.buildpacks ?? [],
    buildDir,
    env,
  });

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
    defaults = { ...defaults, ...(await release(buildpack, buildDir, env, output)) };
    // Heroku's multi-buildpack contract: what one buildpack exports, the next one sees.
    if (index < buildpacks.length - 1) env = await sourceExport(buildpack.dir, env, buildDir);
  }

  output("-----> Discovering process types\n");
  const processTypes = await resolveProcessTypes(buildDir, defaults);
  output(`       Process types -> ${Object.keys(processTypes).join(", ")}\n`);

  output("-----> Compressing...");
  const slugPath = join(options.workDir, "slug.tgz");
  await mkdir(options.workDir, { recursive: true });
  const slug = await packDirectory({ dir: buildDir, out: slugPath, exclude: ["./.git"] });
  output(` done, ${(slug.size / 1024 / 1024).toFixed(1)}MB\n`);
  output("-----> Launching...\n");

  const last = buildpacks[buildpacks.length - 1];
  return { slugPath, ...slug, processTypes, buildpackDescription: last?.description ?? "" };
}

async function release(
  buildpack: { name: string; dir: string },
  buildDir: string,
  env: Record<string, string>,
  output: (text: string) => void,
): Promise<Record<string, string>> {
  let yaml = "";
  const code = await runScript({
    command: join(buildpack.dir, "bin", "release"),
    args: [buildDir],
    env,
    cwd: buildDir,
    stdout: (text) => (yaml += text),
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
async function sourceExport(dir: string, env: Record<string, string>, cwd: string): Promise<Record<string, string>> {
  const file = join(dir, "export");
  if (!(await access(file).then(() => true, () => false))) return env;
  let dump = "";
  const code = await runScript({
    command: "bash",
    args: ["-c", 'set -a; . "$1" >/dev/null; env -0', "export", file],
    env,
    cwd,
    stdout: (text) => (dump += text),
    stderr: () => {},
  });
  if (code !== 0) throw new BuildError(`The ${basename(dir)} buildpack's export file failed (exit ${code}).`);
  const next: Record<string, string> = {};
  for (const pair of dump.split("\0")) {
    const eq = pair.indexOf("=");
    if (eq > 0) next[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return next;
}
