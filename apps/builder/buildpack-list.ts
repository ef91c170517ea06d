// Which buildpacks an app asked for, in Heroku's order of precedence: the app's buildpack
// list (the job's), else its BUILDPACK_URL config var, else a `.buildpacks` file in the source.
// Nothing asked for means: detect among the builder's own buildpacks.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BuildpackRef, isBuildpackRefError, parseBuildpackRef as parseRef } from "../../platform/lib/buildpack-ref.ts";
import { BuildError } from "./build-error.ts";

// The reference format is the API's too (platform/lib/buildpack-ref.ts): one parser, one message.
export type { BuildpackRef };

export interface RequestedBuildpacks {
  from: "the app's buildpacks" | "BUILDPACK_URL" | ".buildpacks" | "detection";
  refs: BuildpackRef[];
}

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

/** The shared parser's reading of `ref`; a refusal fails the build with the API's very message. */
export function parseBuildpackRef(ref: string): BuildpackRef {
  try {
    return parseRef(ref);
  } catch (error) {
    throw isBuildpackRefError(error) ? new BuildError(error.message) : error;
  }
}

async function readOptional(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "EISDIR") return null;
    throw error;
  });
}
