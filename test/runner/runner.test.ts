// The kernel's process runner, on a real Procfile: a process killed with SIGKILL is
// started again and the restart is logged; one that keeps exiting waits longer each time.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_RESTART_POLICY, type RestartPolicy, restartDelay, runProcfile } from "../../platform/runner/index.ts";

describe("restartDelay", () => {
  const policy = { firstDelayMs: 100, maxDelayMs: 1_000, healthyAfterMs: 5_000 };
  it.each([
    { previous: undefined, ran: 10, delay: 100, why: "first exit: the first delay" },
    { previous: 100, ran: 10, delay: 200, why: "a quick exit again: doubled" },
    { previous: 800, ran: 10, delay: 1_000, why: "capped" },
    { previous: 1_000, ran: 10, delay: 1_000, why: "stays at the cap" },
    { previous: 1_000, ran: 5_000, delay: 100, why: "ran long enough: back to the first delay" },
  ])("$why", ({ previous, ran, delay }) => {
    expect(restartDelay(policy, previous, ran)).toBe(delay);
  });

  it("defaults to a 1 s first delay, capped at 30 s", () => {
    expect(DEFAULT_RESTART_POLICY).toMatchObject({ firstDelayMs: 1_000, maxDelayMs: 30_000 });
  });
});

describe("runProcfile", () => {
  let dir = "";
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const pidOf = (name: string) => {
    try {
      return Number(readFileSync(join(dir, "run", `${name}.pid`), "utf8"));
    } catch {
      return undefined;
    }
  };
  const logOf = (name: string) => {
    try {
      return readFileSync(join(dir, "logs", `${name}.log`), "utf8");
    } catch {
      return "";
    }
  };

  const start = (procfile: string, restart: RestartPolicy) => {
    dir = mkdtempSync(join(tmpdir(), "ouro-runner-"));
    const runner = runProcfile({ procfile, cwd: dir, logDir: join(dir, "logs"), runDir: join(dir, "run"), restart });
    stop = runner.stop;
    return runner;
  };

  it("restarts a process killed with SIGKILL, and says so in its log", async () => {
    start("steady: sh -c 'echo up; exec sleep 600'\n", { firstDelayMs: 50, maxDelayMs: 200, healthyAfterMs: 60_000 });
    await expect.poll(() => pidOf("steady")).toBeGreaterThan(0);
    const first = pidOf("steady")!;
    await expect.poll(() => logOf("steady")).toContain("steady: up");
    process.kill(first, "SIGKILL");
    await expect.poll(() => pidOf("steady"), { timeout: 5_000 }).not.toBe(first);
    await expect.poll(() => pidOf("steady"), { timeout: 5_000 }).toBeGreaterThan(0);
    expect(() => process.kill(pidOf("steady")!, 0)).not.toThrow();
    expect(logOf("steady")).toMatch(/runner: steady exited \(signal SIGKILL\), restarting in 50 ms/);
  });

  it("backs off a process that keeps exiting, and stops restarting once stopped", async () => {
    const runner = start("flaky: sh -c 'echo start; exit 3'\n", { firstDelayMs: 20, maxDelayMs: 160, healthyAfterMs: 60_000 });
    await expect.poll(() => logOf("flaky").match(/restarting in/g)?.length ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
    const delays = [...logOf("flaky").matchAll(/exited \(code 3\), restarting in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 5)).toEqual([20, 40, 80, 160, 160]);
    await runner.stop();
    stop = undefined;
    const starts = logOf("flaky").split("flaky: start").length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(logOf("flaky").split("flaky: start").length).toBe(starts);
  });
});
