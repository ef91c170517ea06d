import { spawn } from "node:child_process";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extractSource } from "../../apps/builder/index.ts";
import { tarOf, tempDir } from "./helpers.ts";

describe("extractSource", () => {
  it("unpacks a git archive with modes and inside symlinks", async () => {
    const dir = await tempDir();
    await extractSource(
      tarOf([
        { header: { name: "lib/", type: "directory", mode: 0o755 } },
        { header: { name: "lib/index.js" }, body: "module.exports = 1;\n" },
        { header: { name: "bin/start", mode: 0o4775 }, body: "#!/bin/sh\n" },
        { header: { name: "lib/data.json", mode: 0o664 }, body: "{}" },
        { header: { name: "main.js", type: "symlink", linkname: "lib/index.js" } },
        { header: { name: "lib/up", type: "symlink", linkname: "../bin" } },
      ]),
      dir,
    );
    expect(await readFile(join(dir, "lib/index.js"), "utf8")).toBe("module.exports = 1;\n");
    expect((await lstat(join(dir, "bin/start"))).mode & 0o7777).toBe(0o755); // setuid, group write dropped
    expect((await lstat(join(dir, "lib/data.json"))).mode & 0o7777).toBe(0o644);
    expect((await lstat(join(dir, "lib"))).mode & 0o7777).toBe(0o755);
    expect(await readlink(join(dir, "main.js"))).toBe("lib/index.js");
    expect(await readlink(join(dir, "lib/up"))).toBe("../bin");
  });

  it("unpacks real `git archive` output (pax global header, modes as git knows them)", async () => {
    const dir = await tempDir();
    const repo = new URL("../..", import.meta.url);
    const git = spawn("git", ["archive", "--format=tar", "HEAD", "apps/builder", "test/builder/fixtures"], { cwd: repo });
    await extractSource(git.stdout, dir);
    expect(await readFile(join(dir, "apps/builder/Procfile"), "utf8")).toMatch(/^worker: node apps\/builder\/main\.ts\n/);
    expect((await lstat(join(dir, "test/builder/fixtures/buildpacks/hello/bin/compile"))).mode & 0o777).toBe(0o755);
    expect((await lstat(join(dir, "apps/builder/Procfile"))).mode & 0o777).toBe(0o644);
  });

  // Files are written while the next entries are read: what a later entry puts at the same
  // path, or at a directory holding them, comes after them, as in the archive's order.
  it("applies entries naming the same path in the archive's order", async () => {
    const dir = await tempDir();
    const many = Array.from({ length: 40 }, (_, i) => ({ header: { name: `sub/f${i}` }, body: `file ${i}\n` }));
    await extractSource(
      tarOf([
        { header: { name: "twice" }, body: "first\n" },
        { header: { name: "twice" }, body: "second\n" },
        { header: { name: "becomes-dir" }, body: "a file first\n" },
        { header: { name: "becomes-dir/inside" }, body: "then a directory\n" },
        ...many,
        { header: { name: "sub", type: "symlink", linkname: "becomes-dir" } },
        { header: { name: "sub2/", type: "directory", mode: 0o755 } },
        ...many.map(({ header, body }) => ({ header: { name: header.name.replace("sub/", "sub2/") }, body })),
        { header: { name: "sub2" }, body: "a file at last\n" },
      ]),
      dir,
    );
    expect(await readFile(join(dir, "twice"), "utf8")).toBe("second\n");
    expect(await readFile(join(dir, "becomes-dir/inside"), "utf8")).toBe("then a directory\n");
    expect(await readlink(join(dir, "sub"))).toBe("becomes-dir");
    expect(await readFile(join(dir, "sub/inside"), "utf8")).toBe("then a directory\n");
    expect(await readFile(join(dir, "sub2"), "utf8")).toBe("a file at last\n");
  });

  const hostile: [string, Parameters<typeof tarOf>[0], RegExp][] = [
    ["an absolute path", [{ header: { name: "/etc/cron.d/x" }, body: "x" }], /"\/etc\/cron.d\/x" has an absolute path/],
    ["a .. component", [{ header: { name: "lib/../../escape" }, body: "x" }], /"lib\/..\/..\/escape" has a ".." path component/],
    ["a symlink out", [{ header: { name: "out", type: "symlink", linkname: "../../etc" } }], /"out" is a symlink pointing outside/],
    ["an absolute symlink", [{ header: { name: "pw", type: "symlink", linkname: "/etc/passwd" } }], /"pw" is a symlink pointing outside/],
    [
      "a write through a symlink",
      [
        { header: { name: "here", type: "symlink", linkname: "." } },
        { header: { name: "here/file" }, body: "x" },
      ],
      /"here\/file" goes through the symlink "here"/,
    ],
    [
      "a write through a symlink that replaced a directory being written",
      [
        ...Array.from({ length: 40 }, (_, i) => ({ header: { name: `here/f${i}` }, body: "x" })),
        { header: { name: "here", type: "symlink", linkname: "." } },
        { header: { name: "here/file" }, body: "x" },
      ],
      /"here\/file" goes through the symlink "here"/,
    ],
    [
      "a symlink escaping through another",
      [
        { header: { name: "sub/", type: "directory" } },
        { header: { name: "sub/self", type: "symlink", linkname: "." } },
        { header: { name: "sub/x", type: "symlink", linkname: "self/../.." } },
      ],
      /"sub\/x" is a symlink (pointing|resolving) outside/,
    ],
    ["a device file", [{ header: { name: "null", type: "character-device", devmajor: 1, devminor: 3 } }], /"null" is a character-device/],
    ["a fifo", [{ header: { name: "pipe", type: "fifo" } }], /"pipe" is a fifo/],
    ["a hard link", [{ header: { name: "hard", type: "link", linkname: "/etc/shadow" } }], /"hard" is a hard link/],
  ];

  it.each(hostile)("refuses %s, naming the entry", async (_what, entries, message) => {
    const dir = await tempDir();
    const error = await extractSource(tarOf(entries), dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BuildError" });
    expect((error as Error).message).toMatch(message);
  });

  it("refuses something that is not a tar", async () => {
    const dir = await tempDir();
    const { Readable } = await import("node:stream");
    const error = await extractSource(Readable.from([Buffer.alloc(1024, 7)]), dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BuildError" });
  });
});
