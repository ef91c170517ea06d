// Which buildpacks build an app: the ones it asked for (all run, in order, as on Heroku; each
// must accept the app), or the first of the builder's own buildpacks whose bin/detect accepts it.
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build-error.ts";
import { fetchBuildpack } from "./buildpack-fetch.ts";
import type { RequestedBuildpacks } from "./buildpack-list.ts";
import { runStep } from "./run.ts";

// The order Ouro tries its own buildpacks in, and what each looks for (see each README).
export const DEFAULT_BUILDPACKS: readonly { name: string; detects: string }[] = [
  { name: "nodejs", detects: "package.json" },
  { name: "static", detects: "static.json or index.html" },
  { name: "procfile", detects: "Procfile" },
];

// The builder's own buildpacks: the repo's buildpacks/ (the builder's slug keeps the repo
// layout, /app/apps/builder next to /app/buildpacks), unless OURO_BUILDPACKS_DIR says otherwise.
export function builderBuildpacksDir(): string {
  return process.env.OURO_BUILDPACKS_DIR ?? fileURLToPath(new URL("../../buildpacks", import.meta.url));
}

export interface Buildpack {
  name: string;
  dir: string;
  description: string; // what bin/detect printed, e.g. "Node.js"
}

export async function selectBuildpacks(options: {
  ownDir: string; // the build's own copy of the builder's buildpacks
  fetchDir: string; // where requested buildpacks are put, one fresh dir each
  requested: RequestedBuildpacks;
  buildDir: string;
  env: Record<string, string>;
  output: (text: string) => void;
  signal?: AbortSignal;
  stepTimeoutMs?: number; // each bin/detect
}): Promise<Buildpack[]> {
  const { requested } = options;
  if (requested.refs.length === 0) {
    for (const { name } of DEFAULT_BUILDPACKS) {
      const dir = join(options.ownDir, name);
      await requireDetect(dir, name);
      const detected = await detect(dir, name, options);
      if (detected.code === 0) return [{ name, dir, description: detected.description || name }];
    }
    throw new BuildError(noneDetectedMessage(DEFAULT_BUILDPACKS.map((b) => b.name)));
  }
  if (requested.from !== "the app's buildpacks") {
    options.output(`-----> Using buildpacks from ${requested.from}: ${requested.refs.map((r) => r.ref).join(", ")}\n`);
  }
  const chosen: Buildpack[] = [];
  for (const [index, ref] of requested.refs.entries()) {
    const { dir, name } = await fetchBuildpack(ref, {
      ownDir: options.ownDir,
      into: join(options.fetchDir, String(index + 1)),
      env: options.env,
      cwd: options.buildDir,
      output: options.output,
      signal: options.signal,
    });
    await requireDetect(dir, ref.ref);
    const detected = await detect(dir, ref.ref, options);
    if (detected.code !== 0) {
      throw new BuildError(
        `The buildpack "${ref.ref}" does not apply to this app (its bin/detect exited ${detected.code}). ` +
          `Add the files it needs, or change the buildpacks (${requested.from}).`,
      );
    }
    chosen.push({ name, dir, description: detected.description || name });
  }
  return chosen;
}

export function noneDetectedMessage(names: string[]): string {
  const looked = names.map((name) => {
    const known = DEFAULT_BUILDPACKS.find((b) => b.name === name);
    return known ? `${name} (${known.detects})` : name;
  });
  return `No buildpack detected this app. Ouro looked for: ${looked.join(", ")}. Add one of these files, or set buildpacks with ouro buildpacks:set.`;
}

async function requireDetect(dir: string, name: string): Promise<void> {
  const ok = await access(join(dir, "bin", "detect"), constants.X_OK).then(() => true, () => false);
  if (!ok) throw new BuildError(`The buildpack "${name}" has no executable bin/detect.`);
}

async function detect(
  dir: string,
  name: string,
  options: { buildDir: string; env: Record<string, string>; signal?: AbortSignal; stepTimeoutMs?: number },
) {
  let stdout = "";
  const code = await runStep({
    what: `The ${name} buildpack's bin/detect`,
    command: join(dir, "bin", "detect"),
    args: [options.buildDir],
    env: options.env,
    cwd: options.buildDir,
    stdout: (text) => (stdout = (stdout + text).slice(0, 4096)),
    stderr: () => {},
    signal: options.signal,
    timeoutMs: options.stepTimeoutMs,
  });
  return { code, description: stdout.trim().split("\n")[0]?.trim() ?? "" };
}
