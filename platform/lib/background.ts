// Owners for work nobody awaits. A background promise that rejects is logged with
// what it was doing, never left to crash the process; a process dies only on purpose.

export type Log = (line: string) => void;

const describe = (error: unknown) => (error instanceof Error ? error.stack ?? error.message : String(error));

/** Runs `work` without awaiting it; a failure is logged as "<what> failed: <why>". */
export function background(log: Log, what: string, work: () => Promise<unknown>): void {
  let running: Promise<unknown>;
  try {
    running = work();
  } catch (error) {
    running = Promise.reject(error);
  }
  running.catch((error: unknown) => log(`${what} failed: ${describe(error)}`));
}

export interface RetryOptions {
  log: Log;
  what: string;
  /** First wait after a failure; doubles up to `maxDelayMs`. */
  delayMs?: number;
  maxDelayMs?: number;
  /** Gives up (rethrows) after this long; retries forever when unset. */
  timeoutMs?: number;
}

/**
 * Retries `work` until it succeeds: what a process needs at start (PostgreSQL, Redis)
 * may be restarting, and a blip is a wait, not an exit.
 */
export async function retrying<T>(work: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const started = Date.now();
  let delay = opts.delayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (opts.timeoutMs !== undefined && Date.now() - started + delay > opts.timeoutMs) throw error;
      opts.log(`${opts.what} failed (attempt ${attempt}), retrying in ${delay} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 10_000);
    }
  }
}

/** `every` ms, run `work`; a failed run is logged and the next one still comes. Never overlaps itself. */
export function repeating(log: Log, what: string, everyMs: number, work: () => Promise<unknown>): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = () => {
    work()
      .catch((error: unknown) => log(`${what} failed: ${describe(error)}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs);
      });
  };
  timer = setTimeout(tick, everyMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * The last resort of a kernel process: an error no owner caught is logged and the
 * process exits non-zero, so the runner restarts it in a known state.
 */
export function exitOnUncaught(name: string, log: Log = (line) => console.error(line)): void {
  const die = (kind: string) => (error: unknown) => {
    log(`${name}: ${kind}, exiting so the runner restarts ${name}: ${describe(error)}`);
    process.exit(70);
  };
  process.on("uncaughtException", die("uncaught exception"));
  process.on("unhandledRejection", die("unhandled rejection"));
}
