// How bin/ouro starts: from one bundle of the CLI's sources, built again when a source changes,
// and from the sources through tsx when no bundle can be kept. Runs a copy of bin/ and
// platform/ in a directory of its own (its node_modules links each installed package, so its
// bundle cache is its own), and edits a source there to see the change reach the command.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

describe("bin/ouro's start", () => {
  let copy: string;
  let bundle: string;
  let topics: string;
  const help = () =>
    new Promise<string>((resolve, reject) => {
      execFile(join(copy, "bin/ouro"), ["help"], { cwd: tmpdir(), env: { ...process.env, OURO_DEBUG: "" } }, (error, stdout, stderr) =>
        error ? reject(new Error(`ouro help failed: ${stderr}`)) : resolve(stdout),
      );
    });

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), "ouro-cli-start-"));
    cpSync(join(REPO, "bin"), join(copy, "bin"), { recursive: true });
    cpSync(join(REPO, "platform"), join(copy, "platform"), { recursive: true });
    cpSync(join(REPO, "package.json"), join(copy, "package.json"));
    mkdirSync(join(copy, "node_modules"));
    for (const name of readdirSync(join(REPO, "node_modules"))) {
      if (name !== ".cache") symlinkSync(join(REPO, "node_modules", name), join(copy, "node_modules", name));
    }
    bundle = join(copy, "node_modules/.cache/ouro-cli/cli.mjs");
    topics = join(copy, "platform/cli/topics.ts");
  });
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("builds the bundle once, runs from it, and builds it again when a source changes", async () => {
    expect(await help()).toMatch(/^ {2}apps\s+create, list, inspect, transfer and destroy apps$/m);
    const first = readFileSync(bundle, "utf8");
    const listed = JSON.parse(first.slice(first.indexOf("["), first.indexOf("\n"))) as [string, number, number][];
    expect(listed.map(([path]) => path)).toContain(topics);
    expect(listed.every(([path]) => path.startsWith(join(copy, "platform/")))).toBe(true);

    await help();
    expect(readFileSync(bundle, "utf8")).toBe(first);

    writeFileSync(topics, readFileSync(topics, "utf8").replace("create, list, inspect, transfer and destroy apps", "edited since the bundle"));
    expect(await help()).toMatch(/^ {2}apps\s+edited since the bundle$/m);
    expect(readFileSync(bundle, "utf8")).not.toBe(first);
  });

  it("runs the sources through tsx when the bundle cannot be kept", async () => {
    rmSync(join(copy, "node_modules/.cache"), { recursive: true, force: true });
    writeFileSync(join(copy, "node_modules/.cache"), "a file where the cache directory would go\n");
    expect(await help()).toMatch(/^ {2}apps\s+/m);
    expect(existsSync(bundle)).toBe(false);
  });
});
