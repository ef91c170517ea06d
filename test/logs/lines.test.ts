// Log lines are bounded: a line is cut at MAX_LINE_BYTES of UTF-8 (never inside a character),
// and a stream that never sends a newline costs at most that much memory.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MAX_LINE_BYTES, boundedLines, cutLine } from "../../platform/logs/index.ts";

const collect = async (chunks: (string | Buffer)[], max?: number) => {
  const lines: string[] = [];
  for await (const line of boundedLines(Readable.from(chunks), max)) lines.push(line);
  return lines;
};

describe("cutLine", () => {
  it("keeps a line within the limit as it is", () => {
    expect(cutLine("x".repeat(MAX_LINE_BYTES))).toBe("x".repeat(MAX_LINE_BYTES));
  });

  it("cuts a longer line at 10,000 bytes", () => {
    expect(MAX_LINE_BYTES).toBe(10_000);
    expect(cutLine("y".repeat(MAX_LINE_BYTES + 5))).toBe("y".repeat(MAX_LINE_BYTES));
  });

  it.each([
    ["two-byte", "é"],
    ["three-byte", "€"],
    ["four-byte", "😀"],
  ])("never cuts inside a %s character", (_, char) => {
    for (let pad = 0; pad < 4; pad++) {
      const cut = cutLine("a".repeat(pad) + char.repeat(5000), MAX_LINE_BYTES);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_LINE_BYTES);
      expect(Buffer.byteLength(cut)).toBeGreaterThan(MAX_LINE_BYTES - Buffer.byteLength(char));
      expect(cut).not.toContain("\uFFFD");
      expect(cut.endsWith(char)).toBe(true);
    }
  });
});

describe("boundedLines", () => {
  it("splits lines however the bytes were chunked, a character split across chunks included", async () => {
    const bytes = Buffer.from("one\r\ntwo é\nthree");
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(await collect(chunks)).toEqual(["one", "two é", "three"]);
  });

  it("cuts an overlong line and drops its rest up to the newline, then goes on", async () => {
    const lines = await collect(["a".repeat(30), "a".repeat(30), "a".repeat(30), "\nnext\n"], 40);
    expect(lines).toEqual(["a".repeat(40), "next"]);
  });

  it("holds no more than the limit of a stream that never sends a newline", async () => {
    const lines: string[] = [];
    const endless = (async function* () {
      for (let i = 0; i < 1000; i++) yield "z".repeat(1000);
    })();
    for await (const line of boundedLines(endless, 5000)) lines.push(line);
    expect(lines).toEqual(["z".repeat(5000)]);
  });
});
