// Docker's event stream is newline-delimited JSON in chunks that need not end on a line:
// an event split across chunks is still read whole, and a bad line is skipped, not thrown.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { appOfEvent, eachLine } from "../../platform/dynos/engine-events.ts";

const event = (app: string) => JSON.stringify({ Type: "container", Action: "die", Actor: { ID: "abc", Attributes: { "ouro.app": app, exitCode: "0" } } });

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
