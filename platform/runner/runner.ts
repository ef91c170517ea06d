// The kernel's own process runner: starts every process type of a Procfile
// (parsed by the same parser apps use), prefixes and files their output, restarts
// any that exit (after a growing delay, so a process that cannot start does not spin),
// and stops them all on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseProcfile } from "../lib/procfile.ts";

export interface RunnerOptions {
  procfile: string;
  cwd: string;
  logDir: string;
  runDir: string;
  env?: NodeJS.ProcessEnv;
  restart?: RestartPolicy;
}

export interface RestartPolicy {
  /** Wait before the first restart; doubles with each quick exit, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A process that ran this long before exiting restarts after `firstDelayMs` again. */
  healthyAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, healthyAfterMs: 60_000 };

/** The wait before restarting a process that exited after `ranMs`, given the previous wait. */
export function restartDelay(policy: RestartPolicy, previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= policy.healthyAfterMs) return policy.firstDelayMs;
  return Math.min(previousMs * 2, policy.maxDelayMs);
}

export function runProcfile(opts: RunnerOptions): { stop: () => Promise<void> } {
  const types = parseProcfile(opts.procfile);
  mkdirSync(opts.logDir, { recursive: true });
  mkdirSync(opts.runDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  const delays = new Map<string, number>();
  const policy = opts.restart ?? DEFAULT_RESTART_POLICY;
  let stopping = false;

  function start(name: string, command: string) {
    const startedAt = Date.now();
    const log = createWriteStream(join(opts.logDir, `${name}.log`), { flags: "a" });
    const child = spawn("bash", ["-c", `exec ${command}`], { cwd: opts.cwd, env: opts.env ?? process.env });
    children.set(name, child);
    writeFileSync(join(opts.runDir, `${name}.pid`), String(child.pid));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        const stamped = `${new Date().toISOString()} ${name}: ${line}\n`;
        log.write(stamped);
        process.stdout.write(stamped);
      });
    }
    // "close", not "exit": the last lines are read before the log file is closed.
    child.on("close", (code, signal) => {
      children.delete(name);
      rmSync(join(opts.runDir, `${name}.pid`), { force: true });
      if (stopping) return log.end();
      const why = signal ? `signal ${signal}` : `code ${code}`;
      const delay = restartDelay(policy, delays.get(name), Date.now() - startedAt);
      delays.set(name, delay);
      const stamped = `${new Date().toISOString()} runner: ${name} exited (${why}), restarting in ${delay} ms\n`;
      log.end(stamped);
      process.stdout.write(stamped);
      setTimeout(() => {
        if (!stopping) start(name, command);
      }, delay);
    });
  }

  for (const [name, command] of Object.entries(types)) start(name, command);

  return {
    async stop() {
      stopping = true;
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              child.once("close", () => resolve());
              child.kill("SIGTERM");
              setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
            }),
        ),
      );
    },
  };
}
