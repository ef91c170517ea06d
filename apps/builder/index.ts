// The builder's public surface: the build runner (used by the worker dyno and by bootstrap's
// stage 0) and the pieces tests and tools need.
export { BuildError, isBuildError } from "./build-error.ts";
export { compile, DEFAULT_SLUG_SIZE_LIMIT, slugSizeLimit } from "./compile.ts";
export { parseBuildpackRef, requestedBuildpacks } from "./buildpack-list.ts";
export type { BuildpackRef } from "./buildpack-list.ts";
export { isIgnored, parseSlugignore } from "./slugignore.ts";
export type { CompileOptions, CompileResult } from "./compile.ts";
export { builderBuildpacksDir, DEFAULT_BUILDPACKS, noneDetectedMessage } from "./detect.ts";
export { BUILD_QUEUE, BuildJobSchema } from "./job.ts";
export type { BuildJob, BuildResult, BuildSpec, BuildDyno } from "./job.ts";
export { processBuild } from "./build.ts";
export type { BuildDeps } from "./build.ts";
export { createBuildWorker, superviseBuild } from "./worker.ts";
export type { SuperviseDeps } from "./worker.ts";
export { createBuilderApi, createBuildApi } from "./api-client.ts";
export { parseDefaultProcessTypes } from "./release.ts";
export { packDirectory } from "./slug.ts";
export type { PackedSlug } from "./slug.ts";
export { extractSource } from "./source.ts";
