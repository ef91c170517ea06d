// The cron service's pure decision: which job schedulers to upsert and remove.
import { describe, expect, it } from "vitest";
import { CRON_TZ, planSchedulers, schedulerId } from "../../apps/cron/index.ts";

const hi = { app: "hello", command: "echo hi", schedule: "*/5 * * * *" };
const report = { app: "hello", command: "node report.ts", schedule: "0 * * * *" };

describe("schedulerId", () => {
  it("is stable per app, schedule and command", () => {
    expect(schedulerId(hi)).toBe(schedulerId({ ...hi }));
    expect(schedulerId(hi)).toMatch(/^hello\.[0-9a-f]{16}$/);
    expect(new Set([hi, { ...hi, app: "other" }, { ...hi, command: "echo ho" }, { ...hi, schedule: "* * * * *" }].map(schedulerId)).size).toBe(4);
  });
});

describe("planSchedulers", () => {
  const live = (s: typeof hi, over: object = {}) => ({ id: schedulerId(s), pattern: s.schedule, tz: CRON_TZ, ...over });

  it.each([
    { name: "adds what is missing", desired: [hi, report], live: [live(hi)], upsert: [report], remove: [] as string[] },
    { name: "leaves unchanged schedulers alone", desired: [hi], live: [live(hi)], upsert: [], remove: [] },
    { name: "removes what is no longer listed", desired: [hi], live: [live(hi), live(report)], upsert: [], remove: [schedulerId(report)] },
    { name: "re-upserts a scheduler whose pattern differs", desired: [hi], live: [live(hi, { pattern: "* * * * *" })], upsert: [hi], remove: [] },
    { name: "re-upserts a scheduler in another zone", desired: [hi], live: [live(hi, { tz: null })], upsert: [hi], remove: [] },
    { name: "removes everything when nothing is listed", desired: [], live: [live(hi)], upsert: [], remove: [schedulerId(hi)] },
  ])("$name", ({ desired, live: current, upsert, remove }) => {
    expect(planSchedulers(desired, current)).toEqual({ upsert: upsert.map((s) => ({ id: schedulerId(s), schedule: s })), remove });
  });
});
