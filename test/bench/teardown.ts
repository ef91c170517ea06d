// What a benchmark made, undone in the reverse order it was made: at the end, after a failure,
// or on Ctrl-C (SIGINT, SIGTERM), each step once. A step that fails or hangs (a wedged Docker
// engine) is said and given up on after `stepTimeoutMs`, and the rest go on.
export interface Teardown {
  /** Adds what undoes one thing just made. */
  add(what: string, undo: () => Promise<unknown> | unknown): void;
  /** Undoes everything added, newest first; later calls wait for the same run. */
  run(): Promise<void>;
}

export function teardown(opts: { log?: (line: string) => void; stepTimeoutMs?: number } = {}): Teardown {
  const log = opts.log ?? ((line) => console.error(line));
  const stepTimeoutMs = opts.stepTimeoutMs ?? 120_000;
  const steps: { what: string; undo: () => Promise<unknown> | unknown }[] = [];
  let running: Promise<void> | undefined;

  async function undoOne(step: (typeof steps)[number]) {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${stepTimeoutMs / 1000} s; given up`)), stepTimeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(step.undo), hung]);
    } catch (error) {
      log(`cleaning up ${step.what} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  const run = () =>
    (running ??= (async () => {
      for (let step = steps.pop(); step; step = steps.pop()) await undoOne(step);
    })());

  // A second signal during the clean-up ends the process at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (running) process.exit(130);
    log(`\n${signal}: cleaning up what the benchmark made…`);
    run().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return {
    add(what, undo) {
      steps.push({ what, undo });
    },
    run,
  };
}
