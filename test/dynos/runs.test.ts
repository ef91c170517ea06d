import { describe, expect, it } from "vitest";
import type { OpenRun } from "../../platform/db/index.ts";
import type { LiveDyno } from "../../platform/dynos/index.ts";
import { type RunAction, STANDBY_BUILD, diffRuns, nextRunDeadline } from "../../platform/dynos/runs.ts";

const NOW = new Date("2026-01-01T12:00:00Z");
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const run = (id: string, state: OpenRun["state"], extra: Partial<OpenRun> = {}): OpenRun => ({
  id,
  app_id: "a1",
  release_version: 3,
  type: "release",
  number: 1,
  command: "migrate",
  size: "standard-1X",
  env: { EXTRA: "1" },
  state,
  exit_code: null,
  build_id: null,
  standby_for: null,
  build_app_id: null,
  time_to_live: 86400,
  expires_at: state === "running" ? at(3600) : null,
  attach: false,
  attach_secret_hash: null,
  attach_deadline: null,
  tty: false,
  tty_columns: null,
  tty_lines: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  slug_checksum: "SHA256:x",
  config: { DATABASE_URL: "postgres://x" },
  ...extra,
});

/** An attached run waiting for its client, whose minute to connect ends `deadline` s from now. */
const attached = (id: string, deadline: number, extra: Partial<OpenRun> = {}) =>
  run(id, "pending", { type: "run", attach: true, attach_deadline: at(deadline), tty: true, tty_columns: 91, tty_lines: 33, ...extra });

const container = (runId: string, running: boolean, exitCode: number | null = running ? null : 0): LiveDyno => ({
  containerId: `c-${runId}`,
  generation: 0,
  app: "hello",
  appId: "a1",
  release: 3,
  type: "release",
  index: 1,
  command: "migrate",
  size: "standard-1X",
  running,
  exitCode,
  ip: null,
  createdAt: new Date(0),
  runId,
});

const diff = (runs: OpenRun[], live: LiveDyno[], connected: string[] = []) =>
  diffRuns({ app: "hello", runs, live, now: NOW, attached: new Set(connected) });

const kinds = (actions: RunAction[]) => actions.map((a) => `${a.kind} ${"runId" in a ? a.runId : a.dyno.runId}`);

describe("diffRuns", () => {
  it("starts a pending run once, with the release's config and the run's own env, and when it will expire", () => {
    const [action] = diff([run("r1", "pending", { time_to_live: 90 })], []);
    expect(action).toMatchObject({
      kind: "start",
      expiresAt: at(90),
      dyno: { type: "release", index: 1, release: 3, runId: "r1", env: { DATABASE_URL: "postgres://x", EXTRA: "1" } },
    });
    expect(action && "terminal" in action).toBe(false);
  });

  it("starts a build dyno with its run's env only (the build's credential), none of the builder's config vars", () => {
    const build: OpenRun = { ...run("r2", "pending"), type: "build", build_id: "b1", build_app_id: "a9", env: { OURO_BUILD_TOKEN: "t" } };
    const [action] = diff([build], []);
    expect(action).toMatchObject({ kind: "start", dyno: { type: "build", runId: "r2", buildId: "b1", buildCacheOf: "a9" } });
    expect(action?.kind === "start" && action.dyno.env).toEqual({ OURO_BUILD_TOKEN: "t" });
  });

  it("starts a standby build dyno as a build dyno of the app it stands by for: its run's env only, that app's build cache", () => {
    const standby: OpenRun = { ...run("r3", "pending"), type: "build", standby_for: "a7", build_app_id: "a7", env: { OURO_STANDBY_TOKEN: "s" } };
    const [action] = diff([standby], []);
    expect(action).toMatchObject({ kind: "start", dyno: { type: "build", runId: "r3", buildId: STANDBY_BUILD, buildCacheOf: "a7" } });
    expect(action?.kind === "start" && action.dyno.env).toEqual({ OURO_STANDBY_TOKEN: "s" });
  });

  it("leaves a running run's container alone", () => {
    expect(diff([run("r1", "running")], [container("r1", true)])).toEqual([]);
  });

  it("finishes a run whose container exited, with its exit code", () => {
    const actions = diff([run("r1", "running")], [container("r1", false, 3)]);
    expect(actions).toMatchObject([{ kind: "finish", runId: "r1", exitCode: 3 }]);
  });

  it("finishes a running run whose container vanished, with no exit code", () => {
    expect(diff([run("r1", "running")], [])).toMatchObject([{ kind: "finish", runId: "r1", exitCode: null }]);
  });

  it("clears containers of runs that are no longer open", () => {
    expect(kinds(diff([], [container("old", true), container("done", false)]))).toEqual(["stop old", "remove done"]);
  });

  describe("time limits", () => {
    const cases: { name: string; expiresAt: Date | null; running: boolean; want: string[] }[] = [
      { name: "a run before its time limit is left alone", expiresAt: at(1), running: true, want: [] },
      { name: "a run at its time limit is stopped", expiresAt: at(0), running: true, want: ["stop r1 time-limit 300"] },
      { name: "a run past its time limit is stopped", expiresAt: at(-5), running: true, want: ["stop r1 time-limit 300"] },
      { name: "a run with no limit recorded (from before limits) is left alone", expiresAt: null, running: true, want: [] },
      { name: "an expired run whose container exited is finished, not stopped", expiresAt: at(-5), running: false, want: ["finish r1"] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const actions = diff([run("r1", "running", { expires_at: c.expiresAt, time_to_live: 300 })], [container("r1", c.running, c.running ? null : 143)]);
        expect(actions.map((a) => (a.kind === "stop" ? `stop ${a.dyno.runId} ${a.reason?.why} ${a.reason?.why === "time-limit" ? a.reason.timeToLive : ""}` : `${a.kind} ${"runId" in a ? a.runId : ""}`))).toEqual(c.want);
      });
    }
  });

  describe("attached runs", () => {
    const cases: { name: string; runs: OpenRun[]; live: LiveDyno[]; connected: string[]; want: string[] }[] = [
      { name: "waits for its client within its minute", runs: [attached("r1", 30)], live: [], connected: [], want: [] },
      { name: "starts once its client is connected, with its terminal", runs: [attached("r1", 30)], live: [], connected: ["r1"], want: ["start r1 tty 91x33"] },
      { name: "starts a client's even past the minute, once it is connected", runs: [attached("r1", -1)], live: [], connected: ["r1"], want: ["start r1 tty 91x33"] },
      { name: "is abandoned, never started, when no client came in its minute", runs: [attached("r1", 0)], live: [], connected: [], want: ["abandon r1 run.1"] },
      {
        name: "starts without a terminal when the client asked for none",
        runs: [attached("r1", 30, { tty: false, tty_columns: null, tty_lines: null })],
        live: [],
        connected: ["r1"],
        want: ["start r1 plain"],
      },
      { name: "is left running while its client is there", runs: [run("r1", "running", { attach: true })], live: [container("r1", true)], connected: ["r1"], want: [] },
      { name: "is stopped once its client has gone", runs: [run("r1", "running", { attach: true })], live: [container("r1", true)], connected: [], want: ["stop r1 client-gone"] },
      { name: "a detached run needs no client", runs: [run("r1", "running")], live: [container("r1", true)], connected: [], want: [] },
    ];
    const describeAction = (a: RunAction) => {
      if (a.kind === "start") return `start ${a.dyno.runId} ${a.terminal?.tty ? `tty ${a.terminal.size?.columns}x${a.terminal.size?.lines}` : "plain"}`;
      if (a.kind === "abandon") return `abandon ${a.runId} ${a.dyno}`;
      if (a.kind === "stop") return `stop ${a.dyno.runId} ${a.reason?.why}`;
      return `${a.kind}`;
    };
    for (const c of cases) {
      it(c.name, () => {
        expect(diff(c.runs, c.live, c.connected).map(describeAction)).toEqual(c.want);
      });
    }
  });
});

describe("nextRunDeadline", () => {
  it("is the earliest of a running dyno's time limit, an attached run's minute and a starting run's limit", () => {
    expect(nextRunDeadline([run("r1", "running", { expires_at: at(50) }), attached("r2", 20), run("r3", "pending", { time_to_live: 40 })], NOW)).toEqual(at(20));
    expect(nextRunDeadline([run("r1", "running", { expires_at: at(50) }), run("r3", "pending", { time_to_live: 40 })], NOW)).toEqual(at(40));
  });

  it("is none when nothing waits on the clock (limits already past, no limit recorded)", () => {
    expect(nextRunDeadline([run("r1", "running", { expires_at: at(-1) }), run("r2", "running", { expires_at: null })], NOW)).toBeUndefined();
    expect(nextRunDeadline([], NOW)).toBeUndefined();
  });
});
