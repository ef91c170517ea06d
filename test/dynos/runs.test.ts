import { describe, expect, it } from "vitest";
import type { OpenRun } from "../../platform/db/index.ts";
import type { LiveDyno } from "../../platform/dynos/index.ts";
import { diffRuns } from "../../platform/dynos/runs.ts";

const run = (id: string, state: OpenRun["state"]): OpenRun => ({
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
  created_at: new Date(0),
  updated_at: new Date(0),
  slug_checksum: "SHA256:x",
  config: { DATABASE_URL: "postgres://x" },
});

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

const kinds = (actions: ReturnType<typeof diffRuns>) => actions.map((a) => `${a.kind} ${"runId" in a ? a.runId : a.dyno.runId}`);

describe("diffRuns", () => {
  it("starts a pending run once, with the release's config and the run's own env", () => {
    const [action] = diffRuns("hello", [run("r1", "pending")], []);
    expect(action).toMatchObject({
      kind: "start",
      dyno: { type: "release", index: 1, release: 3, runId: "r1", env: { DATABASE_URL: "postgres://x", EXTRA: "1" } },
    });
  });

  it("starts a build dyno with its run's env only (the build's credential), none of the builder's config vars", () => {
    const build: OpenRun = { ...run("r2", "pending"), type: "build", build_id: "b1", env: { OURO_BUILD_TOKEN: "t" } };
    const [action] = diffRuns("builder", [build], []);
    expect(action).toMatchObject({ kind: "start", dyno: { type: "build", runId: "r2", buildId: "b1" } });
    expect(action?.kind === "start" && action.dyno.env).toEqual({ OURO_BUILD_TOKEN: "t" });
  });

  it("leaves a running run's container alone", () => {
    expect(diffRuns("hello", [run("r1", "running")], [container("r1", true)])).toEqual([]);
  });

  it("finishes a run whose container exited, with its exit code", () => {
    const actions = diffRuns("hello", [run("r1", "running")], [container("r1", false, 3)]);
    expect(actions).toMatchObject([{ kind: "finish", runId: "r1", exitCode: 3 }]);
  });

  it("finishes a running run whose container vanished, with no exit code", () => {
    expect(diffRuns("hello", [run("r1", "running")], [])).toMatchObject([{ kind: "finish", runId: "r1", exitCode: null }]);
  });

  it("clears containers of runs that are no longer open", () => {
    expect(kinds(diffRuns("hello", [], [container("old", true), container("done", false)]))).toEqual(["stop old", "remove done"]);
  });
});
