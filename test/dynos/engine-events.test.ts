// Docker's event stream is newline-delimited JSON in chunks that need not end on a line:
// an event split across chunks is still read whole, and a bad line is skipped, not thrown.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { appOfEvent, eachLine, oomTracker, parseEvent } from "../../platform/dynos/engine-events.ts";

const event = (app: string, action = "die", id = "abc") =>
  JSON.stringify({ Type: "container", Action: action, Actor: { ID: id, Attributes: { "ouro.app": app, "ouro.dyno": "web.1", exitCode: "0" } } });

describe("appOfEvent", () => {
  it.each([
    { line: event("shop"), app: "shop" },
    { line: JSON.stringify({ Actor: { Attributes: {} } }), app: undefined },
    { line: JSON.stringify({ Actor: { Attributes: { "ouro.app": 7 } } }), app: undefined },
    { line: '{"Actor": {"Attri', app: undefined },
    { line: "not json", app: undefined },
  ])("$line → $app", ({ line, app }) => {
    expect(appOfEvent(line)).toBe(app);
  });
});

describe("parseEvent", () => {
  it("reads the action, container, app and dyno of an Ouro container's event", () => {
    expect(parseEvent(event("shop", "oom", "c1"))).toEqual({ action: "oom", containerId: "c1", app: "shop", dyno: "web.1" });
  });

  it.each([["not json"], [JSON.stringify({ Action: "die", Actor: { ID: "c1", Attributes: { name: "other" } } })]])("skips %s", (line) => {
    expect(parseEvent(line)).toBeUndefined();
  });
});

describe("oomTracker", () => {
  const parsed = (action: string, id: string) => parseEvent(event("shop", action, id))!;

  it("reports a death after an oom event, once, and no other death", () => {
    const ooms = oomTracker();
    ooms.seen(parsed("oom", "c1"));
    ooms.seen(parsed("die", "c2"));
    expect(ooms.died(parsed("die", "c2"))).toBe(false);
    expect(ooms.died(parsed("die", "c1"))).toBe(true);
    // A container dies once; the same event read again is no second R15.
    expect(ooms.died(parsed("die", "c1"))).toBe(false);
  });

  it("forgets the oldest containers that hit their limit and lived on, past its bound", () => {
    const ooms = oomTracker(2);
    for (const id of ["c1", "c2", "c3"]) ooms.seen(parsed("oom", id));
    expect([ooms.died(parsed("die", "c1")), ooms.died(parsed("die", "c2")), ooms.died(parsed("die", "c3"))]).toEqual([false, true, true]);
  });
});

describe("eachLine", () => {
  it("reads events split across chunks, and several in one chunk", async () => {
    const stream = new PassThrough();
    const apps: (string | undefined)[] = [];
    const done = eachLine(stream, (line) => apps.push(appOfEvent(line)));
    const first = `${event("alpha")}\n`;
    stream.write(first.slice(0, 17));
    stream.write(first.slice(17, 40));
    stream.write(first.slice(40) + `${event("beta")}\n${event("gamma")}`);
    stream.write("\n\nnot json\n");
    stream.end(`${event("delta")}\n`);
    await done;
    expect(apps).toEqual(["alpha", "beta", "gamma", undefined, "delta"]);
  });

  it("ends when the stream fails", async () => {
    const stream = new PassThrough();
    const done = eachLine(stream, () => {});
    stream.destroy(new Error("dockerd restarted"));
    await expect(done).resolves.toBeUndefined();
  });
});
