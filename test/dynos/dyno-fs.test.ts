// Dynos' file systems on the host: each slug unpacked once (the same tree, modes and in-tree
// symlinks as the slug, however many dynos start at once), owned by root for a build dyno's
// read-only mount and by the dyno user as an app dyno's lower layer; a slug with an entry that
// escapes its directory refused, leaving nothing behind; each dyno's layer made and deleted; and
// what no dyno and no recent release needs collected, never what is fresh or kept.
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import tar from "tar-stream";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDirectory } from "../../apps/builder/index.ts";
import { DYNO_UID, FRESH_MS, createDynoFs } from "../../platform/dynos/dyno-fs.ts";

describe("dyno file systems", () => {
  let work = "";
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ouro-slug-dirs-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function packedApp(name: string, readme = "hello\n") {
    const app = join(work, name);
    await mkdir(join(app, "bin"), { recursive: true });
    await writeFile(join(app, "bin", "run"), "#!/bin/sh\necho hi\n");
    await chmod(join(app, "bin", "run"), 0o755);
    await writeFile(join(app, "README"), readme);
    await symlink("bin/run", join(app, "start"));
    const path = join(work, `${name}.tgz`);
    return { path, ...(await packDirectory({ dir: app, out: path })) };
  }
  const hex = (checksum: string) => checksum.slice("SHA256:".length);
  const age = async (path: string) => {
    const then = new Date(Date.now() - FRESH_MS - 60_000);
    await utimes(path, then, then);
  };

  it("unpacks a slug once, with its modes and in-tree symlinks, however many dynos ask at once", async () => {
    const slug = await packedApp("app");
    const fs = createDynoFs(join(work, "once"));
    const dirs = await Promise.all([1, 2, 3].map(() => fs.readOnlySlug(slug.checksum, [slug.path])));
    expect(new Set(dirs).size).toBe(1);
    const dir = dirs[0]!;
    expect(dir).toBe(join(work, "once", "read-only", hex(slug.checksum)));
    expect(await readdir(join(work, "once", "read-only"))).toEqual([hex(slug.checksum)]); // no half-unpacked copy left
    expect(await readFile(join(dir, "README"), "utf8")).toBe("hello\n");
    expect((await lstat(join(dir, "bin", "run"))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(dir, "start"))).toBe("bin/run");
    expect((await lstat(join(dir, "README"))).uid).toBe(0); // a build dyno cannot own the builder's files
  });

  it("gives an app dyno's lower layer to the dyno user, links included, and each dyno a layer of its own", async () => {
    const slug = await packedApp("owned");
    const fs = createDynoFs(join(work, "owned-fs"));
    const lower = await fs.slug(slug.checksum, slug.path);
    expect(lower).toBe(join(work, "owned-fs", "slugs", hex(slug.checksum)));
    for (const path of ["", "bin", "bin/run", "README", "start"]) expect((await lstat(join(lower, path))).uid).toBe(DYNO_UID);
    expect((await stat(join(work, "owned-fs"))).mode & 0o777).toBe(0o700); // no user of the host reaches them
    const [a, b] = await Promise.all([fs.newLayer([lower]), fs.newLayer([lower])]);
    expect(a!.id).not.toBe(b!.id);
    const upper = join(work, "owned-fs", "layers", a!.id, "upper");
    expect(a!.overlayOptions).toBe(`lowerdir=${lower},upperdir=${upper},workdir=${join(work, "owned-fs", "layers", a!.id, "work")}`);
    expect(await stat(upper)).toMatchObject({ uid: DYNO_UID, mode: expect.any(Number) });
    expect((await stat(upper)).mode & 0o777).toBe(0o755);
    await fs.removeLayer(a!.id);
    expect(await readdir(join(work, "owned-fs", "layers"))).toEqual([b!.id]);
  });

  it("sweeps the layers no volume names once they are old, never a fresh one", async () => {
    const fs = createDynoFs(join(work, "sweep-fs"));
    const lower = join(work, "sweep-lower");
    await mkdir(lower);
    const [used, orphan, fresh] = await Promise.all([fs.newLayer([lower]), fs.newLayer([lower]), fs.newLayer([lower])]);
    await age(join(work, "sweep-fs", "layers", used!.id));
    await age(join(work, "sweep-fs", "layers", orphan!.id));
    await fs.sweepLayers(new Set([used!.id]));
    expect((await readdir(join(work, "sweep-fs", "layers"))).sort()).toEqual([used!.id, fresh!.id].sort());
  });

  it("tidies an app's build cache after a build dyno: that build's work dir and unreturned cache go, another build's stay; past the limit, all goes", async () => {
    const fs = createDynoFs(join(work, "caches-fs"));
    const [app, a, b] = [randomUUID(), randomUUID(), randomUUID()];
    const cache = await fs.buildCache(app);
    expect((await stat(cache)).uid).toBe(DYNO_UID);
    for (const name of ["current", `work-${a}`, `build-${a}`, `work-${b}`, `build-${b}`]) {
      await mkdir(join(cache, name));
      await writeFile(join(cache, name, "f"), "x".repeat(1000));
    }
    const size = await fs.tidyBuildCache(app, a, 1024 * 1024);
    expect(size).toBeGreaterThan(3000);
    expect((await readdir(cache)).sort()).toEqual(["current", `build-${b}`, `work-${b}`].sort());
    await fs.tidyBuildCache(app, b, 1000); // b left 3 KB of cache where 1 KB is allowed
    expect(await readdir(cache)).toEqual([]);
    await expect(fs.buildCache("../escape")).rejects.toThrow(/not an app id/);
  });

  it("collects the unpacked slugs nothing keeps, and the partial unpacks a dead process left", async () => {
    const kept = await packedApp("kept", "kept\n");
    const dropped = await packedApp("dropped", "dropped\n");
    const recent = await packedApp("recent", "recent\n");
    const fs = createDynoFs(join(work, "collect-fs"));
    const dirs = {
      kept: await fs.slug(kept.checksum, kept.path),
      dropped: await fs.slug(dropped.checksum, dropped.path),
      droppedBuild: await fs.readOnlySlug(dropped.checksum, [dropped.path]),
      recent: await fs.slug(recent.checksum, recent.path),
    };
    const partial = join(work, "collect-fs", "slugs", `.${"b".repeat(64)}-0a0b0c0d`);
    await mkdir(partial);
    for (const dir of [dirs.kept, dirs.dropped, dirs.droppedBuild, partial]) await age(dir);
    const removed = await fs.collectSlugs(new Set([kept.checksum]));
    expect(removed.sort()).toEqual([`read-only/${hex(dropped.checksum)}`, `slugs/${hex(dropped.checksum)}`, `slugs/${partial.split("/").at(-1)}`].sort());
    expect((await readdir(join(work, "collect-fs", "slugs"))).sort()).toEqual([hex(kept.checksum), hex(recent.checksum)].sort());
    // One used again is fresh again: the next start touched it.
    await age(dirs.kept);
    await fs.slug(kept.checksum, kept.path);
    expect(await fs.collectSlugs(new Set())).toEqual([]);
    expect(await readFile(join(dirs.kept, "README"), "utf8")).toBe("kept\n");
  });

  it("never removes a slug a dyno is given while a collection runs: the dyno gets it whole", async () => {
    const slug = await packedApp("asked", "asked\n");
    const fs = createDynoFs(join(work, "race-fs"));
    const dir = await fs.slug(slug.checksum, slug.path);
    await age(dir);
    // The collection has listed the slug as old; a dyno is given it before the removals begin.
    let given = "";
    const removed = await fs.collectSlugs(new Set(), { listed: async () => (given = await fs.slug(slug.checksum, slug.path)) });
    expect(removed).toEqual([]);
    expect(await readFile(join(given, "README"), "utf8")).toBe("asked\n");
    // Not given again, the next collection removes it.
    await age(dir);
    expect(await fs.collectSlugs(new Set())).toEqual([`slugs/${hex(slug.checksum)}`]);
  });

  it("refuses a slug with an entry that escapes its directory, and leaves nothing behind", async () => {
    const pack = tar.pack();
    pack.entry({ name: "./ok.txt" }, "fine");
    pack.entry({ name: "./../escaped.txt" }, "out");
    pack.finalize();
    const path = join(work, "hostile.tgz");
    await pipeline(pack, createGzip(), createWriteStream(path));
    const fs = createDynoFs(join(work, "hostile-fs"));
    const checksum = `SHA256:${"a".repeat(64)}`;
    for (const unpack of [() => fs.slug(checksum, path), () => fs.readOnlySlug(checksum, [path])]) {
      await expect(unpack()).rejects.toThrow(/"\.\/\.\.\/escaped\.txt" has a "\.\." path component/);
    }
    expect(await readdir(join(work, "hostile-fs", "slugs"))).toEqual([]);
    expect(await readdir(join(work, "hostile-fs", "read-only"))).toEqual([]);
    await expect(lstat(join(work, "escaped.txt"))).rejects.toThrow(/ENOENT/);
  });
});
