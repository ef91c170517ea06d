import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fixtureBuildpacks, tarOf, tempDir } from "./helpers.ts";

const stage0 = fileURLToPath(new URL("../../apps/builder/stage0.ts", import.meta.url));

function runStage0(args: string[]) {
  return promisify(execFile)(process.execPath, ["--import", "tsx", stage0, ...args], {
    env: { ...process.env, OURO_BUILDPACKS_DIR: fixtureBuildpacks, NPM_CONFIG_REGISTRY: "http://127.0.0.1:4873/" },
  }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe("stage0.ts", () => {
  it("gives the same slug from a source dir and from its git archive tar", async () => {
    const root = await tempDir();
    const dir = join(root, "src");
    await mkdir(join(dir, ".git"), { recursive: true });
    await writeFile(join(dir, ".git", "HEAD"), "x");
    await writeFile(join(dir, "hello.txt"), "world\n");
    await chmod(join(dir, "hello.txt"), 0o664); // as a umask-002 checkout has it
    const tar: Buffer[] = [];
    for await (const chunk of tarOf([{ header: { name: "hello.txt" }, body: "world\n" }])) tar.push(chunk as Buffer);
    await writeFile(join(root, "src.tar"), Buffer.concat(tar));

    const fromDir = await runStage0(["--source", dir, "--out", join(root, "a"), "--buildpacks", "hello"]);
    const fromTar = await runStage0(["--source", join(root, "src.tar"), "--out", join(root, "b"), "--buildpacks", "hello"]);
    expect(fromDir.code).toBe(0);
    expect(fromTar.code, fromTar.stderr).toBe(0);
    expect(fromDir.stdout).toContain("registry http://127.0.0.1:4873/");
    const a = JSON.parse(await readFile(join(root, "a", "result.json"), "utf8"));
    const b = JSON.parse(await readFile(join(root, "b", "result.json"), "utf8"));
    expect(a).toMatchObject({ processTypes: { web: "cat greeting.txt" }, buildpackDescription: "Hello" });
    expect(b).toEqual(a);
    // One layer here (no runtime, no node_modules): the slug is that file, its checksum the file's.
    expect(a.layers).toEqual([{ file: "layer-0.tgz", checksum: a.checksum, size: a.size }]);
    expect((await readFile(join(root, "a", "layer-0.tgz"))).length).toBe(a.size);
  }, 20_000);

  it("exits 1 with what to fix", async () => {
    const root = await tempDir();
    await mkdir(join(root, "src"));
    const failed = await runStage0(["--source", join(root, "src"), "--out", join(root, "out")]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(" !     No buildpack detected this app.");
  }, 20_000);
});
