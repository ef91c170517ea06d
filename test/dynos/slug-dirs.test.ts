// Slugs unpacked once on the host for a read-only mount (build dynos run the builder's slug so):
// the same tree, modes and in-tree symlinks as the slug, unpacked once however many dynos start
// at once, and a slug with an entry that escapes its directory refused, leaving nothing behind.
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDirectory } from "../../apps/builder/index.ts";
import { unpackedSlug } from "../../platform/dynos/slug-dirs.ts";

describe("unpackedSlug", () => {
  let work = "";
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ouro-slug-dirs-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("unpacks a slug once, with its modes and in-tree symlinks, however many dynos ask at once", async () => {
    const app = join(work, "app");
    await mkdir(join(app, "bin"), { recursive: true });
    await writeFile(join(app, "bin", "run"), "#!/bin/sh\necho hi\n");
    await chmod(join(app, "bin", "run"), 0o755);
    await writeFile(join(app, "README"), "hello\n");
    await symlink("bin/run", join(app, "start"));
    const slug = await packDirectory({ dir: app, out: join(work, "slug.tgz") });
    const root = join(work, "slugs");
    const dirs = await Promise.all([1, 2, 3].map(() => unpackedSlug({ root, checksum: slug.checksum, slugPath: join(work, "slug.tgz") })));
    expect(new Set(dirs).size).toBe(1);
    const dir = dirs[0]!;
    expect(dir).toBe(join(root, slug.checksum.slice("SHA256:".length)));
    expect(await readdir(root)).toEqual([slug.checksum.slice("SHA256:".length)]); // no half-unpacked copy left
    expect(await readFile(join(dir, "README"), "utf8")).toBe("hello\n");
    expect((await lstat(join(dir, "bin", "run"))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(dir, "start"))).toBe("bin/run");
  });

  it("refuses a slug with an entry that escapes its directory, and leaves nothing behind", async () => {
    const pack = tar.pack();
    pack.entry({ name: "./ok.txt" }, "fine");
    pack.entry({ name: "./../escaped.txt" }, "out");
    pack.finalize();
    const path = join(work, "hostile.tgz");
    await pipeline(pack, createGzip(), createWriteStream(path));
    const root = join(work, "hostile-slugs");
    const checksum = `SHA256:${"a".repeat(64)}`;
    await expect(unpackedSlug({ root, checksum, slugPath: path })).rejects.toThrow(/"\.\/\.\.\/escaped\.txt" has a "\.\." path component/);
    expect(await readdir(root)).toEqual([]);
    await expect(lstat(join(work, "escaped.txt"))).rejects.toThrow(/ENOENT/);
  });
});
