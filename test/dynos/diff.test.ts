import { describe, expect, it } from "vitest";
import { diffFormation, planChanges } from "../../platform/dynos/index.ts";
import type { DesiredDyno, LiveDyno } from "../../platform/dynos/index.ts";

const want = (type: string, index: number, release = 2): DesiredDyno => ({
  app: "hello",
  appId: "a1",
  release,
  type,
  index,
  command: `run ${type}`,
  env: {},
  size: "standard-1X",
  slugChecksum: "SHA256:x",
  generation: 0,
});

let next = 0;
const live = (type: string, index: number, release = 2, running = true, size = "standard-1X", generation = 0): LiveDyno => ({
  containerId: `c${++next}`,
  app: "hello",
  appId: "a1",
  release,
  type,
  index,
  command: `run ${type}`,
  size,
  generation,
  running,
  exitCode: running ? null : 1,
  ip: "172.17.0.9",
  createdAt: new Date(next * 1000),
  runId: null,
});

const kinds = (changes: ReturnType<typeof diffFormation>) =>
  changes.map((c) => `${c.kind} ${c.dyno.type}.${c.dyno.index} v${c.dyno.release}`).sort();

describe("diffFormation", () => {
  const cases: { name: string; desired: DesiredDyno[]; live: LiveDyno[]; expected: string[] }[] = [
    { name: "nothing to do", desired: [want("web", 1)], live: [live("web", 1)], expected: [] },
    { name: "first deploy starts", desired: [want("web", 1), want("worker", 1)], live: [], expected: ["start web.1 v2", "start worker.1 v2"] },
    { name: "scale up", desired: [want("web", 1), want("web", 2)], live: [live("web", 1)], expected: ["start web.2 v2"] },
    { name: "scale down stops", desired: [want("web", 1)], live: [live("web", 1), live("web", 2)], expected: ["stop web.2 v2"] },
    { name: "new release replaces", desired: [want("web", 1, 3)], live: [live("web", 1, 2)], expected: ["replace web.1 v3"] },
    { name: "exited dyno is removed and started again", desired: [want("web", 1)], live: [live("web", 1, 2, false)], expected: ["remove web.1 v2", "start web.1 v2"] },
    { name: "app gone stops everything", desired: [], live: [live("web", 1), live("worker", 1)], expected: ["stop web.1 v2", "stop worker.1 v2"] },
    { name: "new size replaces", desired: [{ ...want("web", 1), size: "standard-2X" }], live: [live("web", 1)], expected: ["replace web.1 v2"] },
    { name: "leftover old size after resize stops", desired: [want("web", 1)], live: [live("web", 1, 2, true, "standard-2X"), live("web", 1)], expected: ["stop web.1 v2"] },
    { name: "leftover old release after replacement stops", desired: [want("web", 1, 3)], live: [live("web", 1, 2), live("web", 1, 3)], expected: ["stop web.1 v2"] },
    { name: "a restart (new generation) replaces", desired: [{ ...want("web", 1), generation: 1 }], live: [live("web", 1)], expected: ["replace web.1 v2"] },
    {
      name: "leftover old generation after a restart stops",
      desired: [{ ...want("web", 1), generation: 1 }],
      live: [live("web", 1), live("web", 1, 2, true, "standard-1X", 1)],
      expected: ["stop web.1 v2"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(kinds(diffFormation(c.desired, c.live))).toEqual(c.expected));
  }

  it("says why a dyno is replaced", () => {
    const reasons = (desired: DesiredDyno, have: LiveDyno, restarts?: Set<string>) =>
      diffFormation([desired], [have], { restarts }).map((c) => (c.kind === "replace" ? c.reason : c.kind));
    expect(reasons(want("web", 1, 3), live("web", 1, 2))).toEqual(["v2 → v3"]);
    expect(reasons({ ...want("web", 1), size: "standard-2X" }, live("web", 1))).toEqual(["standard-1X → standard-2X"]);
    expect(reasons({ ...want("web", 1), generation: 4 }, live("web", 1, 2, true, "standard-1X", 3))).toEqual(["restart"]);
  });

  it("replaces the containers a one-dyno restart names, and only those", () => {
    const [a, b] = [live("web", 1), live("web", 2)];
    const changes = diffFormation([want("web", 1), want("web", 2)], [a, b], { restarts: new Set([b.containerId]) });
    expect(changes).toEqual([{ kind: "replace", dyno: want("web", 2), old: [b], reason: "restart" }]);
  });

  // A manager restarted mid-deploy finds the old dyno and the new one side by side in a slot.
  it("keeps a slot's old dyno until the new one is ready, and starts no third", () => {
    const [old, booting] = [live("web", 1, 2), live("web", 1, 3)];
    const notYet = diffFormation([want("web", 1, 3)], [old, booting], { ready: (d) => d !== booting });
    expect(notYet).toEqual([]);
    const up = diffFormation([want("web", 1, 3)], [old, booting], { ready: () => true });
    expect(kinds(up)).toEqual(["stop web.1 v2"]);
  });
});

describe("planChanges", () => {
  const steps = (plan: ReturnType<typeof planChanges>) => plan.map((phase) => phase.map((s) => `${s.kind} ${s.dyno.type}.${s.dyno.index}`));
  const old = live("web", 1, 2);
  const changes = diffFormation([want("web", 1, 3), want("worker", 1, 3)], [old, live("worker", 1, 2, false)]);
  // Three web dynos of v2 replaced by v3, a fourth new: what a deploy with a scale-up plans.
  const olds = [live("web", 1), live("web", 2), live("web", 3)];
  const wide = diffFormation([1, 2, 3, 4].map((i) => want("web", i, 3)), olds);

  it("preboot: clear exited, start all, then stop replaced", () => {
    expect(steps(planChanges(changes, { name: "preboot", batch: 1 }))).toEqual([["remove worker.1"], ["start worker.1", "start web.1"], ["stop web.1"]]);
    expect(steps(planChanges(wide, { name: "preboot", batch: 1 }))).toEqual([
      ["start web.4", "start web.1", "start web.2", "start web.3"],
      ["stop web.1", "stop web.2", "stop web.3"],
    ]);
  });

  it("rolling: a batch of slots at a time, each batch's old stopped right after its new are up", () => {
    expect(steps(planChanges(changes, { name: "rolling", batch: 1 }))).toEqual([["remove worker.1"], ["start web.1"], ["stop web.1"], ["start worker.1"]]);
    expect(steps(planChanges(wide, { name: "rolling", batch: 2 }))).toEqual([
      ["start web.1", "start web.2"],
      ["stop web.1", "stop web.2"],
      ["start web.3"],
      ["stop web.3"],
      ["start web.4"],
    ]);
  });

  it("parallel: every start and every stop of a replaced dyno in one phase", () => {
    const plan = planChanges(wide, { name: "parallel", batch: 1 });
    expect(steps(plan)).toEqual([["start web.4", "start web.1", "stop web.1", "start web.2", "stop web.2", "start web.3", "stop web.3"]]);
    // Nothing waits for the new dyno: the stop does not depend on it.
    expect(plan.flat().filter((s) => s.kind === "stop").every((s) => s.kind === "stop" && s.unlessFailed === undefined)).toBe(true);
  });

  it("stops dynos scaled away last, whatever the strategy", () => {
    const down = diffFormation([want("web", 1, 3)], [live("web", 1), live("web", 2)]);
    for (const name of ["preboot", "rolling", "parallel"] as const) {
      expect(steps(planChanges(down, { name, batch: 1 })).at(-1)).toEqual(["stop web.2"]);
    }
  });

  it("a replaced dyno is stopped only if its replacement came up (preboot, rolling)", () => {
    for (const name of ["preboot", "rolling"] as const) {
      const stop = planChanges(changes, { name, batch: 1 }).flat().find((s) => s.kind === "stop");
      expect(stop).toMatchObject({ kind: "stop", unlessFailed: "hello/web.1" });
    }
  });
});
