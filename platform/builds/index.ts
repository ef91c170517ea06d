export * from "./service.ts";
export * from "./events.ts";
export type { BuildJob, BuildResult } from "../lib/build-contract.ts";
export { resumeReleasePhases, runReleasePhase, type ReleaseOutcome } from "./release-phase.ts";
