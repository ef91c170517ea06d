// How ps:plan and ps:wait word a plan (platform/cli/plan-output.ts), for the shapes the in-process
// API cannot make without a dyno manager: an exited dyno's remove with its exit code, a resize, an
// app with no release yet. Pure: no API.
import { describe, expect, it } from "vitest";
import { createPrinter, type Printer } from "../../platform/cli/index.ts";
import { deltaLine, printPlan, progress } from "../../platform/cli/plan-output.ts";
import type { FormationPlanResource } from "../../platform/lib/plan-contract.ts";

const NOW = new Date("2026-01-01T12:00:00Z");

function captured(): { print: Printer; out: () => string } {
  let text = "";
  const print = createPrinter({ stdout: { write: (chunk: string) => (text += chunk) }, stderr: { write: () => true } });
  return { print, out: () => text };
}

const base: FormationPlanResource = {
  app: { id: "a1", name: "shop" },
  strategy: { name: "parallel", batch: 1 },
  desired: {
    release: 7,
    formation: [{ type: "web", quantity: 1, size: "standard-2X", generation: 0 }],
    dynos: [{ name: "web.1", release: 7, size: "standard-2X", generation: 0 }],
  },
  live: [
    {
      name: "web.1",
      container: "aaaaaaaaaaaa",
      release: 7,
      size: "standard-1X",
      generation: 0,
      state: "up",
      since: "2026-01-01T11:57:00Z",
      steps: { configure: { at: "2026-01-01T11:56:58Z", ms: 80 }, install: { at: "2026-01-01T11:56:58Z", ms: 1_450 }, start: { at: "2026-01-01T11:57:00Z", ms: 95 } },
    },
    {
      name: "web.2",
      container: "bbbbbbbbbbbb",
      release: 6,
      size: "standard-2X",
      generation: 0,
      state: "crashed",
      since: "2026-01-01T09:00:00Z",
      // Its stop began and never ended: it is stuck there.
      steps: { start: { at: "2026-01-01T08:00:00Z", ms: 1_200 }, stop: { at: "2026-01-01T09:00:00Z" } },
    },
  ],
  delta: [
    { kind: "remove", dyno: "web.2", release: 6, reason: "exited with code 1" },
    { kind: "replace", dyno: "web.1", release: 7, reason: "standard-1X → standard-2X", replaces: ["aaaaaaaaaaaa"] },
  ],
  plan: [
    [{ kind: "remove", dyno: "web.2", release: 6, container: "bbbbbbbbbbbb" }],
    [{ kind: "start", dyno: "web.1", release: 7 }, { kind: "stop", dyno: "web.1", release: 7, container: "aaaaaaaaaaaa" }],
  ],
  converged: false,
};

describe("plan output", () => {
  it("words each kind of delta entry", () => {
    expect(
      [
        { kind: "start", dyno: "web.2", release: 5, reason: "in the formation, not running" },
        { kind: "replace", dyno: "web.1", release: 5, reason: "v4 → v5" },
        { kind: "replace", dyno: "web.3", release: 5, reason: "restart" },
        { kind: "stop", dyno: "worker.2", release: 5, reason: "not in the formation" },
        { kind: "remove", dyno: "web.4", release: 4, reason: "exited with code 1" },
      ].map((e) => deltaLine(e as FormationPlanResource["delta"][number])),
    ).toEqual([
      "+ start web.2 (v5)",
      "~ replace web.1 v4 → v5",
      "~ replace web.3 (restart)",
      "- stop worker.2 (not in the formation)",
      "x remove web.4 (exited with code 1)",
    ]);
  });

  it("prints a resize and a crashed dyno's removal, with ages", () => {
    const { print, out } = captured();
    printPlan(print, base, NOW);
    expect(out()).toBe(
      [
        "Strategy: parallel",
        "",
        "=== Desired: v7",
        "web  1 × Standard-2X",
        "",
        "=== Live",
        "dyno   release  size         state       step         container",
        "─────  ───────  ───────────  ──────────  ───────────  ────────────",
        "web.1  v7       Standard-1X  up 3m       start 95 ms  aaaaaaaaaaaa",
        "web.2  v6       Standard-2X  crashed 3h  stop… 3h     bbbbbbbbbbbb",
        "",
        "=== Delta",
        "x remove web.2 (exited with code 1)",
        "~ replace web.1 standard-1X → standard-2X",
        "",
        "=== Plan",
        "1. remove web.2 v6 (bbbbbbbbbbbb)",
        "2. start web.1 v7, stop web.1 v7 (aaaaaaaaaaaa)",
        "",
      ].join("\n"),
    );
    expect(progress(base)).toBe("web: 0/1 up, 1 to replace, 1 to remove");
  });

  it("prints an app with no release yet", () => {
    const { print, out } = captured();
    const empty = { ...base, desired: { release: null, formation: [], dynos: [] }, live: [], delta: [], plan: [], converged: true };
    printPlan(print, empty, NOW);
    expect(out()).toBe("Strategy: parallel\n\n=== Desired: no release yet\nno process types\n\n=== Live\nno dynos\n\nNothing to do: live equals desired.\n");
    expect(progress(empty)).toBe("no dynos");
  });
});
