// Which buildpacks build an app: the job's explicit list (all run, in order, as on Heroku),
// or the first of the builder's own buildpacks whose bin/detect accepts the app.
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build-error.ts";
import { runScript } from "./run.ts";

// The order Ouro tries its own buildpacks in, and what each looks for (see each README).
export const DEFAULT_BUILDPACKS: readonly { name: string; detects: string }[] = [
  { name: "nodejs", detects: "package.json" },
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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function selectBuildpacks(options: {
  buildpacksDir: string;
  requested: string[];
  buildDir: string;
  env: Record<string, string>;
}): Promise<Buildpack[]> {
  const explicit = options.requested.length > 0;
  const names = explicit ? options.requested : DEFAULT_BUILDPACKS.map((b) => b.name);
  const chosen: Buildpack[] = [];
  for (const name of names) {
    const dir = await buildpackDir(options.buildpacksDir, name);
    const detected = await detect(dir, options.buildDir, options.env);
    if (explicit && detected.code !== 0) {
      throw new BuildError(
        `The buildpack "${name}" does not apply to this app (its bin/detect exited ${detected.code}). ` +
          "Add the files it needs, or set other buildpacks for the app.",
      );
    }
    if (detected.code === 0) {
      chosen.push({ name, dir, description: detected.description || name });
      if (!explicit) break;
    }
  }
  if (chosen.length === 0) throw new BuildError(noneDetectedMessage(names));
  return chosen;
}

export function noneDetectedMessage(names: string[]): string {
  const looked = names.map((name) => {
    const known = DEFAULT_BUILDPACKS.find((b) => b.name === name);
    return known ? `${name} (${known.detects})` : name;
  });
  return `No buildpack detected this app. Ouro looked for: ${looked.join(", ")}. Add one of these files.`;
}

async function buildpackDir(buildpacksDir: string, name: string): Promise<string> {
  if (!NAME.test(name)) throw new BuildError(`"${name}" is not a buildpack name: use letters, digits, ".", "_" and "-".`);
  const dir = join(buildpacksDir, name);
  const ok = await access(join(dir, "bin", "detect"), constants.X_OK).then(() => true, () => false);
  if (!ok) throw new BuildError(`The buildpack "${name}" does not exist here (no executable ${name}/bin/detect).`);
  return dir;
}

async function detect(dir: string, buildDir: string, env: Record<string, string>) {
  let stdout = "";
  const code = await runScript({
    command: join(dir, "bin", "detect"),
    args: [buildDir],
    env,
    cwd: buildDir,
    stdout: (text) => (stdout += text),
    stderr: () => {},
  });
  return { code, description: stdout.trim().split("\n")[0]?.trim() ?? "" };
}
