// Which buildpacks an app asked for, in Heroku's order of precedence: the app's buildpack
// list (the job's), else its BUILDPACK_URL config var, else a `.buildpacks` file in the source.
// Nothing asked for means: detect among the builder's own buildpacks.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BuildError } from "./build-error.ts";

export type BuildpackRef =
  | { kind: "own"; name: string; ref: string } // one of the builder's buildpacks: "nodejs"
  | { kind: "tarball"; url: string; ref: string } // http(s)://…/x.tgz or .tar.gz
  | { kind: "git"; url: string; commitish?: string; ref: string }; // https://…, ….git, file://…, #ref

export interface RequestedBuildpacks {
  from: "the app's buildpacks" | "BUILDPACK_URL" | ".buildpacks" | "detection";
  refs: BuildpackRef[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function requestedBuildpacks(options: {
  job: string[];
  envDir: string;
  buildDir: string;
}): Promise<RequestedBuildpacks> {
  if (options.job.length > 0) return { from: "the app's buildpacks", refs: options.job.map(parseBuildpackRef) };
  const configured = (await readOptional(join(options.envDir, "BUILDPACK_URL")))?.trim();
  if (configured) return { from: "BUILDPACK_URL", refs: [parseBuildpackRef(configured)] };
  const file = await readOptional(join(options.buildDir, ".buildpacks"));
  const lines = (file ?? "").split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length > 0) return { from: ".buildpacks", refs: lines.map(parseBuildpackRef) };
  return { from: "detection", refs: [] };
}

/** "nodejs", "https://host/bp.tgz", "https://host/bp.git#v2", "/srv/bp.git", "file:///srv/bp". */
export function parseBuildpackRef(ref: string): BuildpackRef {
  if (NAME.test(ref) && !ref.endsWith(".git")) return { kind: "own", name: ref, ref };
  const hash = ref.indexOf("#");
  const url = hash >= 0 ? ref.slice(0, hash) : ref;
  const commitish = hash >= 0 ? ref.slice(hash + 1) : undefined;
  if (/^https?:\/\//.test(url) && /\.(tgz|tar\.gz)$/.test(new URL(url).pathname)) {
    if (commitish !== undefined) throw notABuildpack(ref, "a tarball URL takes no #ref");
    return { kind: "tarball", url, ref };
  }
  const gitLike = /^(https?|git|ssh|file):\/\//.test(url) || (url.startsWith("/") && !url.includes("\0"));
  if (!gitLike) throw notABuildpack(ref, "not a buildpack name, a tarball URL or a git URL");
  if (commitish !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(commitish)) {
    throw notABuildpack(ref, `"#${commitish}" is not a branch, tag or commit`);
  }
  return { kind: "git", url, commitish: commitish || undefined, ref };
}

function notABuildpack(ref: string, why: string): BuildError {
  return new BuildError(
    `"${ref}" is ${why.startsWith("not") ? why : `not usable: ${why}`}. ` +
      "Use one of Ouro's buildpacks (nodejs, static, procfile), an http(s) URL of a .tgz, or a git URL (optionally #branch, tag or commit).",
  );
}

async function readOptional(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "EISDIR") return null;
    throw error;
  });
}
