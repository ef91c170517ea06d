// Owners for background work: a rejection is logged with what was being done, never
// left unhandled; retries wait and double; a repeating job survives a failed run.
import { describe, expect, it } from "vitest";
import { background, repeating, retrying } from "../../platform/lib/background.ts";

describe("background", () => {
  it("logs a rejection with what was being done, and nothing else escapes", async () => {
    const logs: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      background((line) => logs.push(line), "reconciling shop", async () => {
        throw new Error("redis went away");
      });
      background((line) => logs.push(line), "a synchronous throw", () => {
        throw new Error("before any await");
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(logs[0]).toMatch(/^reconciling shop failed: Error: redis went away/);
    expect(logs[1]).toMatch(/^a synchronous throw failed: Error: before any await/);
    expect(unhandled).toEqual([]);
  });
});

describe("retrying", () => {
  it("retries until the work succeeds, logging each failure with a growing wait", async () => {
    const logs: string[] = [];
    let calls = 0;
    const value = await retrying(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`ECONNREFUSED #${calls}`);
        return "connected";
      },
      { log: (line) => logs.push(line), what: "connecting", delayMs: 5 },
    );
    expect(value).toBe("connected");
    expect(logs).toEqual([
      "connecting failed (attempt 1), retrying in 5 ms: ECONNREFUSED #1",
      "connecting failed (attempt 2), retrying in 10 ms: ECONNREFUSED #2",
    ]);
  });

  it("gives up after its timeout with the last error", async () => {
    await expect(
      retrying(async () => Promise.reject(new Error("still down")), { log: () => {}, what: "x", delayMs: 10, timeoutMs: 35 }),
    ).rejects.toThrow("still down");
  });
});

describe("repeating", () => {
  it("runs again after a failed run, and stops when told", async () => {
    const logs: string[] = [];
    let runs = 0;
    const job = repeating((line) => logs.push(line), "the sweep", 5, async () => {
      runs += 1;
      if (runs === 1) throw new Error("postgres restarting");
    });
    await expect.poll(() => runs).toBeGreaterThanOrEqual(3);
    job.stop();
    const stoppedAt = runs;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runs).toBeLessThanOrEqual(stoppedAt + 1);
    expect(logs[0]).toMatch(/^the sweep failed: Error: postgres restarting/);
  });
});
