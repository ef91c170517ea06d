import { describe, expect, it } from "vitest";
import { parseScaleArgs, resolveScale, ScaleArgumentError } from "../../platform/cli/index.ts";

describe("ps:scale arguments", () => {
  it.each([
    [["web=2", "worker=1"], [{ type: "web", op: "=", quantity: 2 }, { type: "worker", op: "=", quantity: 1 }]],
    [["web+1"], [{ type: "web", op: "+", quantity: 1 }]],
    [["clock-1"], [{ type: "clock", op: "-", quantity: 1 }]],
    [["my-worker-2"], [{ type: "my-worker", op: "-", quantity: 2 }]],
    [["web=3:2X"], [{ type: "web", op: "=", quantity: 3, size: "2X" }]],
    [[], []],
  ])("parses %j", (args, expected) => {
    expect(parseScaleArgs(args)).toEqual(expected);
  });

  it.each([["web=x"], ["web"], ["=2"], ["web=2.5"], ["web=-1"], ["web 2"]])("rejects %s with a clear error", (arg) => {
    expect(() => parseScaleArgs([arg])).toThrow(ScaleArgumentError);
    expect(() => parseScaleArgs([arg])).toThrow(`invalid dyno change "${arg}": use TYPE=N, TYPE+N or TYPE-N`);
  });

  it("rejects a process type scaled twice", () => {
    expect(() => parseScaleArgs(["web=1", "web+1"])).toThrow('process type "web" is scaled twice');
  });

  it("turns relative changes into quantities against the current formation", () => {
    const formation = [
      { type: "web", quantity: 2 },
      { type: "worker", quantity: 1 },
    ];
    expect(resolveScale(parseScaleArgs(["web+1", "worker-1", "clock+2", "release=0"]), formation)).toEqual([
      { type: "web", quantity: 3 },
      { type: "worker", quantity: 0 },
      { type: "clock", quantity: 2 },
      { type: "release", quantity: 0 },
    ]);
  });

  it("refuses to scale below zero", () => {
    expect(() => resolveScale(parseScaleArgs(["web-3"]), [{ type: "web", quantity: 2 }])).toThrow(
      "cannot scale web to -1: it runs 2 dynos",
    );
  });
});
