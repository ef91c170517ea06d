// What ends one-off dynos from outside: their time limit (`--ttl`) and, for an attached one, its
// client going away. diffRuns says which to stop; this stops each once (SIGTERM, then SIGKILL
// after the grace) without holding up the reconcile, keeps the container so the run is finished
// with its exit code, and says why in the app's log. It also wakes the manager when a run's next
// deadline comes, so a time limit is kept to the second, not to the next steady tick.
import { type Log, background } from "../lib/background.ts";
import { RUN_STOP_GRACE_SECONDS, formatTimeToLive } from "../lib/run-contract.ts";
import type { Engine } from "./engine.ts";
import { type LiveDyno, dynoName } from "./model.ts";
import type { StopReason } from "./runs.ts";

export interface RunClockOptions {
  engine: Pick<Engine, "terminate">;
  log: Log;
  /** A line in the app's log, as `ouro[run.N]`. */
  say: (app: string, dyno: string, line: string) => Promise<void>;
  /** Reconciles the app's one-off dynos. */
  settle: (app: string) => Promise<void>;
  graceSeconds?: number;
}

/** The log line that says why a one-off dyno is being stopped. */
export function stopLine(reason: StopReason, graceSeconds = RUN_STOP_GRACE_SECONDS): string {
  const why = reason.why === "time-limit" ? `Time limit of ${formatTimeToLive(reason.timeToLive)} reached` : "Client disconnected";
  return `${why}: Stopping process with SIGTERM (SIGKILL after ${graceSeconds} s)`;
}

export function createRunClock(opts: RunClockOptions) {
  const { log } = opts;
  const grace = opts.graceSeconds ?? RUN_STOP_GRACE_SECONDS;
  /** Containers being stopped: the next reconciles do not stop them again. */
  const stopping = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();

  return {
    async stop(app: string, dyno: LiveDyno, reason: StopReason): Promise<void> {
      if (stopping.has(dyno.containerId)) return;
      stopping.add(dyno.containerId);
      const name = dynoName(dyno);
      log(`${app}: stopping ${name}: ${reason.why}`);
      await opts.say(app, name, stopLine(reason, grace));
      background(log, `${app}: stopping ${name}`, async () => {
        try {
          await opts.engine.terminate(dyno.containerId, grace);
        } finally {
          stopping.delete(dyno.containerId);
        }
        // Finished with its exit code now, not at the next event or tick.
        await opts.settle(app);
      });
    },

    /** Reconciles the app's one-off dynos at `at` (replacing the wake-up set before), or never. */
    wakeAt(app: string, at: Date | undefined): void {
      clearTimeout(timers.get(app));
      timers.delete(app);
      if (!at) return;
      const timer = setTimeout(() => {
        timers.delete(app);
        background(log, `${app}: reconciling one-off dynos at a deadline`, () => opts.settle(app));
      }, Math.max(0, at.getTime() - Date.now()) + 20);
      // The dyno manager lives on anyway; a test's manager must not be kept alive by it.
      timer.unref();
      timers.set(app, timer);
    },
  };
}
