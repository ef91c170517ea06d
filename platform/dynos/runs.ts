import type { OpenRun } from "../db/index.ts";
import type { TerminalSize } from "../lib/run-contract.ts";
import type { DesiredDyno, LiveDyno } from "./model.ts";

/** How an attached run's container is started: with a terminal (of a size) or plain streams. */
export interface Terminal {
  tty: boolean;
  size?: TerminalSize;
}

/** Why a run's container is stopped while the run is open (it is finished once the container exits). */
export type StopReason = { why: "time-limit"; timeToLive: number } | { why: "client-gone" };

export type RunAction =
  /** `terminal`: an attached run, started on its client's connection; `expiresAt`: its time limit. */
  | { kind: "start"; dyno: DesiredDyno; expiresAt: Date; terminal?: Terminal }
  /** The run's container exited (or vanished): record how, then clear it away. */
  | { kind: "finish"; runId: string; exitCode: number | null; dyno?: LiveDyno }
  /** An attached run whose client did not connect in time: finished, never started. */
  | { kind: "abandon"; runId: string; dyno: string }
  /** With `reason`, the run is still open: stop it and keep its exit code; without, clear it away. */
  | { kind: "stop"; dyno: LiveDyno; reason?: StopReason }
  | { kind: "remove"; dyno: LiveDyno };

export interface RunsModel {
  app: string;
  runs: OpenRun[];
  /** The app's one-off containers. */
  live: LiveDyno[];
  now: Date;
  /** Runs whose attached client is connected to this dyno manager now. */
  attached: ReadonlySet<string>;
}

/**
 * One-off dynos: each open run gets exactly one container, started once (an attached run only
 * once its client is there); when it exits the run is finished with its exit code. A run past its
 * time limit, or attached with its client gone, is stopped. Containers of runs no longer open (the
 * app was deleted) go away. Pure.
 */
export function diffRuns({ app, runs, live, now, attached }: RunsModel): RunAction[] {
  const actions: RunAction[] = [];
  const open = new Set(runs.map((r) => r.id));
  for (const run of runs) {
    const container = live.find((d) => d.runId === run.id);
    if (!container) {
      if (run.state !== "pending") actions.push({ kind: "finish", runId: run.id, exitCode: null });
      else if (!run.attach || attached.has(run.id)) actions.push(start(app, run, now));
      else if (run.attach_deadline && run.attach_deadline <= now) actions.push({ kind: "abandon", runId: run.id, dyno: `${run.type}.${run.number}` });
    } else if (!container.running) {
      if (!(run.state === "pending" && container.exitCode === null)) {
        actions.push({ kind: "finish", runId: run.id, exitCode: container.exitCode, dyno: container });
      }
    } else if (run.expires_at && run.expires_at <= now) {
      actions.push({ kind: "stop", dyno: container, reason: { why: "time-limit", timeToLive: run.time_to_live } });
    } else if (run.attach && run.state === "running" && !attached.has(run.id)) {
      actions.push({ kind: "stop", dyno: container, reason: { why: "client-gone" } });
    }
  }
  for (const dyno of live) {
    if (dyno.runId && !open.has(dyno.runId)) actions.push({ kind: dyno.running ? "stop" : "remove", dyno });
  }
  return actions;
}

/** What a standby build dyno (waiting for a build: no build id yet) is labelled with in its build's place. */
export const STANDBY_BUILD = "standby";

function start(app: string, run: OpenRun, now: Date): RunAction {
  const size = run.tty_columns && run.tty_lines ? { columns: run.tty_columns, lines: run.tty_lines } : undefined;
  // A build dyno, or one standing by for a build: only its run's env, on the build network.
  const buildId = run.build_id ?? (run.standby_for ? STANDBY_BUILD : undefined);
  return {
    kind: "start",
    expiresAt: new Date(now.getTime() + run.time_to_live * 1000),
    ...(run.attach ? { terminal: { tty: run.tty, ...(size ? { size } : {}) } } : {}),
    dyno: {
      app,
      appId: run.app_id,
      release: run.release_version,
      type: run.type,
      index: run.number,
      command: run.command,
      env: buildId ? run.env : { ...run.config, ...run.env },
      slugChecksum: run.slug_checksum,
      size: run.size,
      generation: 0,
      runId: run.id,
      ...(buildId ? { buildId, buildCacheOf: run.build_app_id ?? undefined } : {}),
    },
  };
}

/**
 * When the runs' model next changes by the clock alone: a running dyno's time limit, an attached
 * run's window to connect, or the time limit of a run about to start. The manager wakes then.
 */
export function nextRunDeadline(runs: OpenRun[], now: Date): Date | undefined {
  const times = runs.flatMap((run) => {
    if (run.state === "running") return run.expires_at ? [run.expires_at.getTime()] : [];
    if (run.attach && run.attach_deadline) return [run.attach_deadline.getTime(), now.getTime() + run.time_to_live * 1000];
    return [now.getTime() + run.time_to_live * 1000];
  });
  const next = Math.min(...times.filter((t) => t > now.getTime()));
  return Number.isFinite(next) ? new Date(next) : undefined;
}
