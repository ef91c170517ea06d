// Starts the kernel (the top-level Procfile, through platform/runner) in the
// background, and stops it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./shell.ts";

const pidFile = (dataDir: string) => join(dataDir, "run", "kernel.pid");

export function kernelPid(dataDir: string): number | undefined {
  const file = pidFile(dataDir);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8"));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
}

export async function startKernel(opts: { repoRoot: string; dataDir: string; apiPort: number }): Promise<boolean> {
  if (kernelPid(opts.dataDir)) return false;
  mkdirSync(join(opts.dataDir, "logs"), { recursive: true });
  mkdirSync(join(opts.dataDir, "run"), { recursive: true });
  const out = openSync(join(opts.dataDir, "logs", "kernel.log"), "a");
  const child = spawn(process.execPath, ["--import", "tsx", "platform/runner/main.ts"], {
    cwd: opts.repoRoot,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, OURO_DATA_DIR: opts.dataDir },
  });
  writeFileSync(pidFile(opts.dataDir), String(child.pid));
  child.unref();
  await waitFor(
    "the API to answer (see .ouro/logs/api.log)",
    async () => (await fetch(`http://127.0.0.1:${opts.apiPort}/healthz`).catch(() => undefined))?.ok === true,
  );
  return true;
}

export async function stopKernel(dataDir: string): Promise<boolean> {
  const pid = kernelPid(dataDir);
  if (!pid) return false;
  process.kill(pid, "SIGTERM");
  await waitFor("the kernel to stop", () => kernelPid(dataDir) === undefined, 30_000);
  return true;
}
