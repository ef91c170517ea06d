export { DEFAULT_RESTART_POLICY, type RestartPolicy, type RunnerOptions, restartDelay, runProcfile } from "./runner.ts";
