// The cron service is an app on the platform: an app's app.json `cron` entry runs
// as a one-off `scheduler.N` dyno every minute, once per tick even with the cron
// app scaled to 2, and its output lands in the app's logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkout, eventually, git, ouro, removeDir, uniqueName } from "../support/platform.ts";

const app = uniqueName("cron");
let dir = "";

interface Dyno { type: string; state: string }

const tickMinutes = () =>
  ouro(["logs", "-a", app, "-n", "1500"])
    .stdout.split("\n")
    .filter((line) => /app\[scheduler\.\d+\]: cron tick from scheduler\.\d+$/.test(line))
    .map((line) => line.slice(0, 16)); // 2026-11-25T20:31

describe("cron", () => {
  beforeAll(async () => {
    await api("PATCH", "/apps/cron/formation", { updates: [{ type: "clock", quantity: 2 }] });
    await eventually("two cron clock dynos up", async () => {
      const up = (await api<Dyno[]>("GET", "/apps/cron/dynos")).body.filter((d) => d.type === "clock" && d.state === "up");
      return up.length === 2 ? up : undefined;
    }, 120_000);
    expect(ouro(["apps:create", app]).code).toBe(0);
    dir = checkout("cron-app", app);
    const push = git(dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
  }, 240_000);
  afterAll(async () => {
    ouro(["apps:destroy", "-a", app, "--confirm", app]);
    removeDir(dir);
    await api("PATCH", "/apps/cron/formation", { updates: [{ type: "clock", quantity: 1 }] });
  });

  it("lists the app's schedule", () => {
    const cron = ouro(["cron", "-a", app]);
    expect(cron.stdout).toContain("* * * * *");
    expect(cron.stdout).toContain("echo cron tick from $DYNO");
  });

  // Cron reads the schedules every 10 s, and a `* * * * *` entry first runs at the next minute
  // after that: up to 70 s after the push, plus the dyno's start. The bound stays that of a cron
  // app that read them every 30 s (up to 90 s), as one deployed before that change does until
  // `ouro system:upgrade cron`.
  it("runs the command within 100 s, then once per minute with the cron app at 2 dynos", async () => {
    await eventually("the first tick's output in the logs", async () => (tickMinutes().length > 0 ? true : undefined), 100_000);
    const first = tickMinutes()[0]!;
    await eventually("a tick in a later minute", async () => (tickMinutes().some((m) => m > first) ? true : undefined), 75_000);
    const minutes = tickMinutes();
    const perMinute = new Map<string, number>();
    for (const minute of minutes) perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    expect([...perMinute.values()].every((n) => n === 1), JSON.stringify([...perMinute])).toBe(true);
  }, 190_000);
});
