// Puts one buildpack into the build's own directory: a copy of the builder's own, a
// downloaded tarball, or a git clone — always a fresh dir, so nothing one build writes into a
// buildpack (its `export` file, say) reaches the next. Downloads use the stack's curl and git,
// which honour the build's proxy and CA settings.
import { chmod, cp, mkdir, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { BuildError } from "./build-error.ts";
import type { BuildpackRef } from "./buildpack-list.ts";
import { runScript } from "./run.ts";

export interface FetchOptions {
  ownDir: string; // the build's copy of the builder's own buildpacks
  into: string; // a fresh, empty dir for this buildpack
  env: Record<string, string>;
  cwd: string;
  output: (text: string) => void;
  signal?: AbortSignal;
}

/** The buildpack's root (the dir holding bin/) and a short name for messages. */
export async function fetchBuildpack(ref: BuildpackRef, options: FetchOptions): Promise<{ dir: string; name: string }> {
  if (ref.kind === "own") {
    const dir = join(options.ownDir, ref.name);
    if (!(await isDir(join(dir, "bin")))) {
      throw new BuildError(`The buildpack "${ref.name}" does not exist here (no ${ref.name}/bin). Ouro's own are: ${(await readdir(options.ownDir)).sort().join(", ")}.`);
    }
    return { dir, name: ref.name };
  }
  await mkdir(options.into, { recursive: true });
  const name = basename(new URL(ref.url, "file:///").pathname).replace(/(\.git|\.tgz|\.tar\.gz)$/, "") || ref.url;
  if (ref.kind === "tarball") {
    options.output(`-----> Downloading buildpack ${ref.url}\n`);
    const file = `${options.into}.tgz`;
    await tool(options, `download ${ref.url}`, "curl", ["-fsSL", "--retry", "3", "--retry-connrefused", "-o", file, ref.url]);
    await tool(options, `unpack ${ref.url}`, "tar", ["-xzf", file, "-C", options.into, "--no-same-owner"]);
  } else {
    options.output(`-----> Cloning buildpack ${ref.ref}\n`);
    await clone(ref.url, ref.commitish, options);
  }
  const dir = await buildpackRoot(options.into, ref.ref);
  await makeExecutable(join(dir, "bin"));
  return { dir, name };
}

async function clone(url: string, commitish: string | undefined, options: FetchOptions): Promise<void> {
  const quiet = ["-c", "advice.detachedHead=false", "clone", "--quiet", "--recurse-submodules"];
  // A branch or tag clones shallow; a commit id needs the history to check it out.
  const shallow = await tool(options, null, "git", [...quiet, "--depth", "1", ...(commitish ? ["--branch", commitish] : []), url, options.into]);
  if (shallow === 0) return;
  if (!commitish) await tool(options, `clone ${url}`, "git", [...quiet, url, options.into]);
  else {
    await tool(options, `clone ${url}`, "git", [...quiet, "--no-checkout", url, options.into]);
    await tool(options, `check out "${commitish}" of ${url}`, "git", ["-C", options.into, "-c", "advice.detachedHead=false", "checkout", "--quiet", commitish]);
  }
}

// Runs curl, tar or git; with a `what`, a failure stops the build saying what could not be done.
async function tool(options: FetchOptions, what: string | null, command: string, args: string[]): Promise<number> {
  let errors = "";
  // Submodules and redirects may not lead git to the builder's own files.
  const env = { ...options.env, GIT_TERMINAL_PROMPT: "0", GIT_ALLOW_PROTOCOL: "http:https:git:ssh" };
  const code = await runScript({ command, args, env, cwd: options.cwd, stdout: () => {}, stderr: (t) => (errors += t), signal: options.signal })
    .catch((error: NodeJS.ErrnoException) => {
      throw new BuildError(`Could not ${what ?? command}: ${command} is not available here (${error.code ?? error.message}).`);
    });
  if (code !== 0 && what !== null) {
    const detail = errors.trim().split("\n").slice(-3).join(" ").trim();
    throw new BuildError(`Could not ${what}${detail ? `: ${detail}` : ` (${command} exited ${code})`}. Check the buildpack URL.`);
  }
  return code;
}

// Archives made from a repository (`repo-v1/bin/…`) hold the buildpack one level down.
async function buildpackRoot(dir: string, ref: string): Promise<string> {
  if (await isDir(join(dir, "bin"))) return dir;
  const entries = (await readdir(dir)).filter((entry) => entry !== ".git");
  const only = entries[0];
  if (entries.length === 1 && only !== undefined && (await isDir(join(dir, only, "bin")))) return join(dir, only);
  throw new BuildError(`The buildpack ${ref} has no bin/ directory at its root (nor in a single top-level folder).`);
}

async function makeExecutable(binDir: string): Promise<void> {
  for (const entry of await readdir(binDir)) {
    const path = join(binDir, entry);
    const info = await stat(path).catch(() => null);
    if (info?.isFile()) await chmod(path, info.mode | 0o755);
  }
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** The build's private copy of the builder's own buildpacks. */
export async function copyOwnBuildpacks(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}
