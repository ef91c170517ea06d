export { runProcfile, type RunnerOptions } from "./runner.ts";
