// The build runner: detect, compile, release, pack. No network: the worker (or stage 0)
// brings the source and cache in and takes the slug out.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
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
  const env = buildpackEnv({ STACK: options.stack ?? DEFAULT_STACK, ...options.buildEnv });
  await mkdir(cacheDir, { recursive: true });
  await mkdir(envDir, { recursive: true });

  const buildpacks = await selectBuildpacks({
    buildpacksDir: resolve(options.buildpacksDir),
    requested: options.buildpacks ?? [],
    buildDir,
    env,
  });

  let defaults: Record<string, string> = {};
  for (const buildpack of buildpacks) {
    output(`-----> ${buildpack.description} app detected\n`);
    const code = await runScript({
      command: join(buildpack.dir, "bin", "compile"),
      args: [buildDir, cacheDir, envDir],
      env,
      cwd: buildDir,
      stdout: output,
      stderr: output,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new BuildError(`The ${buildpack.name} buildpack has no runnable bin/compile (${error.code ?? error.message}).`);
    });
    if (code !== 0) {
      throw new BuildError(
        `The ${buildpack.name} buildpack failed to compile this app (bin/compile exited ${code}). ` +
          "The build output above says why.",
      );
    }
    defaults = { ...defaults, ...(await release(buildpack, buildDir, env, output)) };
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
