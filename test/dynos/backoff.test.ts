import { describe, expect, it } from "vitest";
import { crashBackoff } from "../../platform/dynos/backoff.ts";

const SLOT = "hello/web.1";

/** A backoff on a clock the test moves, with 1 s / 8 s delays and 60 s to count as healthy. */
function withClock() {
  let clock = 1_000_000;
  const backoff = crashBackoff({ now: () => clock, firstDelayMs: 1_000, maxDelayMs: 8_000, healthyAfterMs: 60_000 });
  let n = 0;
  return {
    backoff,
    advance: (ms: number) => (clock += ms),
    /** A crash of a new container of `release` that ran `ranMs`. */
    crash: (release = 1, ranMs = 100) => {
      const containerId = `c${++n}`;
      backoff.crashed(SLOT, { containerId, release, startedAt: clock - ranMs });
      return containerId;
    },
  };
}

/** The wait before the slot may start again, probed by moving the clock; the clock is restored. */
function heldFor(t: ReturnType<typeof withClock>, release = 1): number {
  let waited = 0;
  while (!t.backoff.mayStart(SLOT, release) && waited < 120_000) {
    t.advance(100);
    waited += 100;
  }
  t.advance(-waited);
  return waited;
}

describe("crashBackoff", () => {
  it("lets a slot that never crashed start", () => {
    const { backoff } = withClock();
    expect(backoff.mayStart(SLOT, 1)).toBe(true);
  });

  it("restarts the first crash at once, then waits longer after each crash, up to the cap", () => {
    const t = withClock();
    const waits: number[] = [];
    for (let crash = 1; crash <= 7; crash++) {
      t.crash();
      const wait = heldFor(t);
      waits.push(wait);
      t.advance(wait);
    }
    expect(waits).toEqual([0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it("holds a slot until the delay has passed, not a millisecond less", () => {
    const t = withClock();
    t.crash();
    t.crash();
    t.advance(999);
    expect(t.backoff.mayStart(SLOT, 1)).toBe(false);
    t.advance(1);
    expect(t.backoff.mayStart(SLOT, 1)).toBe(true);
  });

  it("counts the same container once, however often it is reported", () => {
    const t = withClock();
    t.crash();
    const second = t.crash();
    for (let i = 0; i < 5; i++) t.backoff.crashed(SLOT, { containerId: second, release: 1, startedAt: 0 });
    expect(heldFor(t)).toBe(1_000);
  });

  it("keeps slots apart", () => {
    const t = withClock();
    t.crash();
    t.crash();
    expect(t.backoff.mayStart(SLOT, 1)).toBe(false);
    expect(t.backoff.mayStart("hello/web.2", 1)).toBe(true);
  });

  it("starts the count again after a reset", () => {
    const t = withClock();
    t.crash();
    t.crash();
    t.backoff.reset(SLOT);
    expect(t.backoff.mayStart(SLOT, 1)).toBe(true);
    t.crash();
    expect(heldFor(t)).toBe(0);
    t.crash();
    expect(heldFor(t)).toBe(1_000);
  });

  it("lets a new release start at once, and counts its crashes afresh", () => {
    const t = withClock();
    for (let i = 0; i < 4; i++) t.crash(1);
    expect(t.backoff.mayStart(SLOT, 1)).toBe(false);
    expect(t.backoff.mayStart(SLOT, 2)).toBe(true);
    t.crash(2);
    expect(heldFor(t, 2)).toBe(0);
    t.crash(2);
    expect(heldFor(t, 2)).toBe(1_000);
  });

  it("treats a crash after a healthy run as a first crash", () => {
    const t = withClock();
    for (let i = 0; i < 4; i++) t.crash();
    t.advance(heldFor(t));
    t.crash(1, 60_000);
    expect(heldFor(t)).toBe(0);
    t.crash(1, 59_999);
    expect(heldFor(t)).toBe(1_000);
  });
});
