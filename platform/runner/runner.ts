// The kernel's own process runner: starts every process type of a Procfile
// (parsed by the same parser apps use), prefixes and files their output, restarts
// any that exit, and stops them all on SIGTERM.
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
}

const RESTART_DELAY_MS = 1_000;

export function runProcfile(opts: RunnerOptions): { stop: () => Promise<void> } {
  const types = parseProcfile(opts.procfile);
  mkdirSync(opts.logDir, { recursive: true });
  mkdirSync(opts.runDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  function start(name: string, command: string) {
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
    child.on("exit", (code, signal) => {
      children.delete(name);
      rmSync(join(opts.runDir, `${name}.pid`), { force: true });
      if (stopping) return log.end();
      const why = signal ? `signal ${signal}` : `code ${code}`;
      log.write(`${new Date().toISOString()} runner: ${name} exited (${why}), restarting\n`);
      setTimeout(() => start(name, command), RESTART_DELAY_MS);
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
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
              setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
            }),
        ),
      );
    },
  };
}
