// The pre-receive hook git runs is plain JavaScript made from pre-receive.ts: node runs it with
// no loader, and each process keeps the one file of its code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hookScript } from "../../platform/git/hook-script.ts";

describe("the pre-receive hook's script", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "ouro-hooks-")), "hooks");
  afterAll(() => rmSync(dirname(dir), { recursive: true, force: true }));

  it("runs under plain node and reads git's updates from stdin", () => {
    const path = hookScript(dir);
    expect(dirname(path)).toBe(dir);
    expect(path).toMatch(/\/pre-receive-[0-9a-f]{16}\.mjs$/);
    expect(hookScript(dir)).toBe(path);
    expect(readdirSync(dir)).toEqual([path.slice(dir.length + 1)]);
    // A tag only: nothing to build, and the push goes through.
    const run = spawnSync(process.execPath, [path], { input: `${"0".repeat(40)} ${"a".repeat(40)} refs/tags/v1\n`, encoding: "utf8", env: {} });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("Ouro builds pushes to main (or master); nothing to build in this push.\n");
    expect(run.status).toBe(0);
  });
});
