import { describe, expect, it } from "vitest";
import { parseScaleArgs, parseTypeArgs, resolveScale, ScaleArgumentError } from "../../platform/cli/index.ts";

describe("ps:scale arguments", () => {
  it.each([
    [["web=2", "worker=1"], [{ type: "web", op: "=", quantity: 2 }, { type: "worker", op: "=", quantity: 1 }]],
    [["web+1"], [{ type: "web", op: "+", quantity: 1 }]],
    [["clock-1"], [{ type: "clock", op: "-", quantity: 1 }]],
    [["my-worker-2"], [{ type: "my-worker", op: "-", quantity: 2 }]],
    [["web=3:2X"], [{ type: "web", op: "=", quantity: 3, size: "2X" }]],
    [["web=2:standard-2X", "worker+1:performance-m"], [
      { type: "web", op: "=", quantity: 2, size: "standard-2X" },
      { type: "worker", op: "+", quantity: 1, size: "performance-m" },
    ]],
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

  it("keeps the size with the quantity it resolves", () => {
    expect(resolveScale(parseScaleArgs(["web=2:standard-2X", "worker+1:1X"]), [{ type: "worker", quantity: 1 }])).toEqual([
      { type: "web", quantity: 2, size: "standard-2X" },
      { type: "worker", quantity: 2, size: "1X" },
    ]);
  });

  it("refuses to scale below zero", () => {
    expect(() => resolveScale(parseScaleArgs(["web-3"]), [{ type: "web", quantity: 2 }])).toThrow(
      "cannot scale web to -1: it runs 2 dynos",
    );
  });
});

describe("ps:type arguments", () => {
  const types = ["web", "worker"];

  it.each([
    [["web=standard-2X"], [{ type: "web", size: "standard-2X" }]],
    [["web=2X", "worker=PM"], [{ type: "web", size: "2X" }, { type: "worker", size: "PM" }]],
    [["performance-L"], [{ type: "web", size: "performance-L" }, { type: "worker", size: "performance-L" }]],
  ])("parses %j", (args, expected) => {
    expect(parseTypeArgs(args, types)).toEqual(expected);
  });

  it.each([["web="], ["=2X"], ["web=2X=3"], ["web:2X"]])("rejects %s with a clear error", (arg) => {
    expect(() => parseTypeArgs([arg], types)).toThrow(ScaleArgumentError);
  });

  it("says what to write for a size among TYPE=SIZE changes", () => {
    expect(() => parseTypeArgs(["web=2X", "1X"], types)).toThrow(
      'invalid dyno type change "1X": use TYPE=SIZE (e.g. ouro ps:type web=standard-2X worker=1X), or one SIZE for every process type',
    );
  });

  it("rejects a type resized twice, and a size for every type of an app without any", () => {
    expect(() => parseTypeArgs(["web=1X", "web=2X"], types)).toThrow('process type "web" is resized twice');
    expect(() => parseTypeArgs(["2X"], [])).toThrow("this app has no process types yet: deploy it first");
  });
});
