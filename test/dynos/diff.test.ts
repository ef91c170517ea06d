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
});

let next = 0;
const live = (type: string, index: number, release = 2, running = true, size = "standard-1X"): LiveDyno => ({
  containerId: `c${++next}`,
  app: "hello",
  appId: "a1",
  release,
  type,
  index,
  command: `run ${type}`,
  size,
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
  ];
  for (const c of cases) {
    it(c.name, () => expect(kinds(diffFormation(c.desired, c.live))).toEqual(c.expected));
  }
});

describe("planChanges", () => {
  const old = live("web", 1, 2);
  const changes = diffFormation([want("web", 1, 3), want("worker", 1, 3)], [old, live("worker", 1, 2, false)]);

  it("parallel: clear exited, start all, then stop replaced", () => {
    const plan = planChanges(changes, "parallel");
    expect(plan.map((phase) => phase.map((s) => `${s.kind} ${s.dyno.type}.${s.dyno.index}`))).toEqual([
      ["remove worker.1"],
      ["start web.1", "start worker.1"],
      ["stop web.1"],
    ]);
  });

  it("serial: one slot at a time, old stopped right after its replacement", () => {
    const plan = planChanges(changes, "serial");
    expect(plan.map((phase) => phase.map((s) => `${s.kind} ${s.dyno.type}.${s.dyno.index}`))).toEqual([
      ["remove worker.1"],
      ["start web.1"],
      ["stop web.1"],
      ["start worker.1"],
    ]);
  });

  it("a replaced dyno is stopped only if its replacement came up", () => {
    const stop = planChanges(changes, "parallel").flat().find((s) => s.kind === "stop");
    expect(stop).toMatchObject({ kind: "stop", unlessFailed: "hello/web.1" });
  });
});
