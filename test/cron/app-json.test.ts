// app.json `cron` entries: what runs, what is refused and why (pure, plus reading a source tar).
import { Readable } from "node:stream";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { cronExpressionError, parseAppJsonCron, readAppJson } from "../../platform/cron/index.ts";

const appJson = (cron: unknown) => JSON.stringify({ name: "x", cron });

describe("parseAppJsonCron", () => {
  it("keeps valid entries, normalising the schedule's spacing", () => {
    expect(parseAppJsonCron(appJson([{ command: "echo hi", schedule: "*/5  * * * *" }, { command: "node report.ts", schedule: "0 12 * * MON-FRI" }]))).toEqual([
      { command: "echo hi", schedule: "*/5 * * * *" },
      { command: "node report.ts", schedule: "0 12 * * MON-FRI" },
    ]);
  });

  it("has no entries without app.json cron", () => {
    expect(parseAppJsonCron(JSON.stringify({ name: "x" }))).toEqual([]);
  });

  it.each([
    ["* * * *", /must have 5 fields/],
    ["* * * * * *", /must have 5 fields/],
    ["@daily", /must have 5 fields/],
    ["60 * * * *", /not a valid cron expression: .*0-59/],
    ["0 0 31 2 *", /not a valid cron expression/],
    ["H * * * *", /"H" values are not supported/],
    ["", /must have 5 fields/],
  ])("reports %j as an error and keeps the entry in the listing", (schedule, message) => {
    const [entry] = parseAppJsonCron(appJson([{ command: "echo hi", schedule }]));
    expect(entry).toMatchObject({ command: "echo hi", schedule });
    expect(entry?.error).toMatch(message);
    expect(entry?.error).toMatch(/^cron\[0\]: /);
  });

  it("reports entries without a command or schedule, or that are not objects", () => {
    const entries = parseAppJsonCron(appJson([{ schedule: "* * * * *" }, { command: "  ", schedule: "* * * * *" }, { command: "x", schedule: 5 }, "echo hi"]));
    expect(entries.map((e) => e.error)).toEqual([
      "cron[0]: command must be a string",
      "cron[1]: command must not be empty",
      "cron[2]: schedule must be a string",
      "cron[3]: an entry must be an object",
    ]);
    expect(entries[2]).toMatchObject({ command: "x", schedule: "5" });
  });

  it("runs a repeated entry once", () => {
    const entries = parseAppJsonCron(appJson([{ command: "echo hi", schedule: "* * * * *" }, { command: "echo hi", schedule: "*  * * * *" }]));
    expect(entries[0]?.error).toBeUndefined();
    expect(entries[1]?.error).toMatch(/same schedule and command/);
  });

  it("names a broken file in a single entry", () => {
    expect(parseAppJsonCron("{ nope")[0]?.error).toMatch(/^app.json is not valid JSON/);
    expect(parseAppJsonCron("[]")[0]?.error).toBe("app.json must be a JSON object");
    expect(parseAppJsonCron(JSON.stringify({ cron: {} }))[0]?.error).toBe("app.json: cron must be an array");
  });

  it("accepts the standard forms", () => {
    for (const ok of ["* * * * *", "0 0 * * 0", "0 0 * * 7", "15,45 */2 1-10 JAN,JUL *", "0 0 L * *"]) expect(cronExpressionError(ok)).toBeUndefined();
  });
});

function sourceTar(files: Record<string, string>, extra: { name: string; type: "directory" | "symlink"; linkname?: string }[] = []): Readable {
  const pack = tar.pack();
  for (const entry of extra) pack.entry(entry);
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return Readable.from(pack);
}

describe("readAppJson", () => {
  it("finds app.json at the root of a git archive tar", async () => {
    const text = await readAppJson(sourceTar({ "package.json": "{}", "lib/app.json": "{}", "app.json": appJson([]) }, [{ name: "lib/", type: "directory" }]));
    expect(text).toBe(appJson([]));
  });

  it("answers undefined without one, and ignores a symlinked app.json", async () => {
    expect(await readAppJson(sourceTar({ "package.json": "{}" }))).toBeUndefined();
    expect(await readAppJson(sourceTar({}, [{ name: "app.json", type: "symlink", linkname: "/etc/passwd" }]))).toBeUndefined();
  });
});
