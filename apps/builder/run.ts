// Runs one buildpack executable (bin/detect, bin/compile, bin/release) with a clean build
// environment, streaming or capturing what it prints.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import { BuildError } from "./build-error.ts";

// Only these pass from the builder's own environment into buildpacks: the app's build runs
// the app's code (npm scripts), which must not see the builder's REDIS_URL and such.
const INHERITED = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE",
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];

export function buildpackEnv(buildEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...buildEnv };
}

export interface RunOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal; // kills the script and everything it started
}

// Resolves with the exit code (a signal counts as 128 + its number, as in a shell).
export function runScript(options: RunOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a stop reaches npm and whatever else the buildpack started.
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const stop = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener("abort", stop, { once: true });
    const out = new StringDecoder("utf8");
    const err = new StringDecoder("utf8");
    child.stdout.on("data", (chunk: Buffer) => options.stdout(out.write(chunk)));
    child.stderr.on("data", (chunk: Buffer) => options.stderr(err.write(chunk)));
    child.on("error", reject);
    // Whatever the script left running in its group (a daemon, `cmd &` holding our pipes) ends
    // with it; otherwise "close" would wait for it.
    child.on("exit", stop);
    child.on("close", (code, signal) => {
      options.signal?.removeEventListener("abort", stop);
      const rest = out.end();
      if (rest) options.stdout(rest);
      const restErr = err.end();
      if (restErr) options.stderr(restErr);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/** How long one buildpack step other than bin/compile (bin/detect, bin/release, export) may run. */
export const STEP_TIMEOUT_MS = 60_000;

/**
 * runScript with a limit of its own, so a hung step fails its build instead of blocking the
 * builder; `signal` (the whole build's) still stops it sooner.
 */
export async function runStep(options: RunOptions & { what: string; timeoutMs?: number }): Promise<number> {
  const timeoutMs = options.timeoutMs ?? STEP_TIMEOUT_MS;
  const limit = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, limit]) : limit;
  const code = await runScript({ ...options, signal });
  if (limit.aborted && !options.signal?.aborted) {
    throw new BuildError(`${options.what} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped. Fix or replace that buildpack.`);
  }
  return code;
}
