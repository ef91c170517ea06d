// The queue contract lives in platform/lib (shared with the kernel); the stack name is the builder's own.
export {
  BUILD_DYNO_ENV,
  BUILD_QUEUE,
  DEFAULT_SLUG_SIZE_LIMIT_MB,
  BuildDynoSchema,
  BuildJobSchema,
  BuildSpecSchema,
  type BuildDyno,
  type BuildJob,
  type BuildResult,
  type BuildSpec,
} from "../../platform/lib/build-contract.ts";

// The stack every dyno runs on (the stack image's suite); `STACK` in the builder's env wins.
export const DEFAULT_STACK = "bookworm";
