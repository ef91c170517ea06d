import type { OpenRun } from "../db/index.ts";
import type { DesiredDyno, LiveDyno } from "./model.ts";

export type RunAction =
  | { kind: "start"; dyno: DesiredDyno }
  /** The run's container exited (or vanished): record how, then clear it away. */
  | { kind: "finish"; runId: string; exitCode: number | null; dyno?: LiveDyno }
  | { kind: "stop"; dyno: LiveDyno }
  | { kind: "remove"; dyno: LiveDyno };

/**
 * One-off dynos: each open run gets exactly one container, started once; when it
 * exits the run is finished with its exit code. Containers of runs no longer open
 * (the app was deleted) go away. Pure.
 */
export function diffRuns(app: string, runs: OpenRun[], live: LiveDyno[]): RunAction[] {
  const actions: RunAction[] = [];
  const open = new Set(runs.map((r) => r.id));
  for (const run of runs) {
    const container = live.find((d) => d.runId === run.id);
    if (!container) {
      if (run.state === "pending") {
        actions.push({
          kind: "start",
          dyno: {
            app,
            appId: run.app_id,
            release: run.release_version,
            type: run.type,
            index: run.number,
            command: run.command,
            env: run.build_id ? run.env : { ...run.config, ...run.env },
            slugChecksum: run.slug_checksum,
            size: run.size,
            generation: 0,
            runId: run.id,
            ...(run.build_id ? { buildId: run.build_id } : {}),
          },
        });
      } else {
        actions.push({ kind: "finish", runId: run.id, exitCode: null });
      }
    } else if (!container.running && !(run.state === "pending" && container.exitCode === null)) {
      actions.push({ kind: "finish", runId: run.id, exitCode: container.exitCode, dyno: container });
    }
  }
  for (const dyno of live) {
    if (dyno.runId && !open.has(dyno.runId)) actions.push({ kind: dyno.running ? "stop" : "remove", dyno });
  }
  return actions;
}
