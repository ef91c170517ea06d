import { describe, expect, it } from "vitest";
import {
  RunRequestSchema,
  attachUrl,
  formatTimeToLive,
  newAttachSecret,
  parseAttachUrl,
  parseResizeMessage,
  parseTimeToLive,
  terminalSizeOf,
} from "../../platform/lib/run-contract.ts";

describe("time limits (--ttl)", () => {
  const cases: [string, number | undefined][] = [
    ["90", 90],
    ["90s", 90],
    ["10m", 600],
    ["2h", 7200],
    ["24h", 86400],
    [" 5s ", 5],
    ["25h", undefined],
    ["0", undefined],
    ["0s", undefined],
    ["-5", undefined],
    ["1.5h", undefined],
    ["5d", undefined],
    ["ten", undefined],
    ["", undefined],
  ];
  for (const [text, seconds] of cases) it(`"${text}" is ${seconds ?? "refused"}`, () => expect(parseTimeToLive(text)).toBe(seconds));

  it("is written back the way a user would write it", () => {
    expect([5, 90, 600, 7200, 86400, 3601].map(formatTimeToLive)).toEqual(["5s", "90s", "10m", "2h", "24h", "3601s"]);
  });
});

describe("attach URLs", () => {
  it("round-trip a host, a port and a secret", () => {
    const secret = newAttachSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseAttachUrl(attachUrl("127.0.0.1", 5001, secret))).toEqual({ host: "127.0.0.1", port: 5001, secret });
  });

  it("refuse what is not a rendezvous URL with a secret", () => {
    const secret = newAttachSecret();
    for (const url of [`https://127.0.0.1:5001/${secret}`, "rendezvous://127.0.0.1:5001/short", `rendezvous://127.0.0.1/${secret}`, "not a url"]) {
      expect(parseAttachUrl(url)).toBeUndefined();
    }
  });
});

describe("the run request as heroku's CLI sends it", () => {
  it("takes COLUMNS and LINES as numbers and drops a TERM it did not have", () => {
    const parsed = RunRequestSchema.parse({ command: "bash", attach: true, env: { TERM: null, COLUMNS: 91, LINES: 33 } });
    expect(parsed.env).toEqual({ COLUMNS: "91", LINES: "33" });
    expect(terminalSizeOf(parsed.env!)).toEqual({ columns: 91, lines: 33 });
    expect(terminalSizeOf({ COLUMNS: "0", LINES: "33" })).toBeUndefined();
  });

  it("refuses a bad env name and a time limit past 24 h", () => {
    expect(RunRequestSchema.safeParse({ command: "x", env: { "1BAD": "v" } }).success).toBe(false);
    expect(RunRequestSchema.safeParse({ command: "x", time_to_live: 86401 }).success).toBe(false);
  });
});

describe("resize messages", () => {
  it("parse only a run id with a size", () => {
    const runId = "0b6f3c1e-2a4d-4f1b-9c3e-5d6a7b8c9d0e";
    expect(parseResizeMessage(JSON.stringify({ runId, columns: 80, lines: 24 }))).toEqual({ runId, columns: 80, lines: 24 });
    expect(parseResizeMessage("{not json")).toBeUndefined();
    expect(parseResizeMessage(JSON.stringify({ runId: "x", columns: 80, lines: 24 }))).toBeUndefined();
  });
});
