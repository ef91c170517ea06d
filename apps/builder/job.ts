// The queue contract lives in platform/lib (shared with the kernel); the stack name is the builder's own.
export { BUILD_QUEUE, BuildJobSchema, type BuildJob, type BuildResult } from "../../platform/lib/build-contract.ts";

// The stack every dyno runs on (the stack image's suite); `STACK` in the builder's env wins.
export const DEFAULT_STACK = "bookworm";
