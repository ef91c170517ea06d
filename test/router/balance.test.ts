// The choice of a dyno (pure): the less loaded of two random ones, never the one just tried,
// set-aside dynos only when nothing else is left.
import { describe, expect, it } from "vitest";
import { chooseBackend } from "../../platform/router/balance.ts";
import type { Backend } from "../../platform/router/table.ts";

const backend = (dyno: string, inFlight = 0, setAsideUntil = 0): Backend => ({ address: `${dyno}:1`, host: dyno, port: 1, dyno, inFlight, setAsideUntil });
const NOW = 1_000_000;
/** A random source that returns these numbers in turn. */
const sequence = (...values: number[]) => () => values.shift() ?? 0;

describe("chooseBackend", () => {
  it("has nothing to choose from an empty list", () => {
    expect(chooseBackend([], NOW)).toBeUndefined();
  });

  it("takes the only dyno, unless it is the one just tried", () => {
    const [a] = [backend("web.1")];
    expect(chooseBackend([a!], NOW)).toBe(a);
    expect(chooseBackend([a!], NOW, a)).toBeUndefined();
  });

  it("of the two it picks, takes the less loaded", () => {
    const list = [backend("web.1", 5), backend("web.2", 1), backend("web.3", 9)];
    // Picks index 0, then index 2 of the rest shifted past it... (0 → web.1; 0.99 → web.3).
    expect(chooseBackend(list, NOW, undefined, sequence(0, 0.99))!.dyno).toBe("web.1");
    expect(chooseBackend(list, NOW, undefined, sequence(0.5, 0))!.dyno).toBe("web.2");
  });

  it("never takes the most loaded of three, whatever the draw", () => {
    const list = [backend("web.1", 2), backend("web.2", 7), backend("web.3", 1)];
    for (let i = 0; i < 200; i++) expect(chooseBackend(list, NOW)!.dyno).not.toBe("web.2");
  });

  it("leaves out the one tried and the ones set aside while others remain", () => {
    const tried = backend("web.1");
    const aside = backend("web.2", 0, NOW + 1000);
    const ok = backend("web.3", 50);
    for (let i = 0; i < 50; i++) expect(chooseBackend([tried, aside, ok], NOW, tried)).toBe(ok);
  });

  it("falls back to a set-aside dyno (the one set aside earliest) when no other is left", () => {
    const later = backend("web.1", 0, NOW + 5000);
    const sooner = backend("web.2", 0, NOW + 1000);
    expect(chooseBackend([later, sooner], NOW)).toBe(sooner);
    expect(chooseBackend([later, backend("web.3", 0, NOW - 1)], NOW)!.dyno).toBe("web.3");
  });

  it("spreads evenly over equally loaded dynos", () => {
    const list = [backend("web.1"), backend("web.2"), backend("web.3"), backend("web.4")];
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const chosen = chooseBackend(list, NOW)!.dyno;
      counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
    }
    for (const b of list) expect(counts.get(b.dyno)).toBeGreaterThan(800);
  });
});
