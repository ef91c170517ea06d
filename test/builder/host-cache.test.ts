// A build's cache on its host (apps/builder/host-cache.ts): taken by a rename, so no two builds of
// an app share one; put back only by a build that succeeded, dropped by one that failed; a dead
// build's dir removed once it is old, never one a running build holds.
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimHostCache, compileKeepingCache } from "../../apps/builder/host-cache.ts";

describe("a build cache on the host", () => {
  let work = "";
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ouro-host-cache-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });
  const root = async (name: string) => {
    const dir = join(work, name);
    await mkdir(dir);
    return dir;
  };

  it("starts empty, is the app's once a build kept it, and the next build finds it", async () => {
    const cache = await root("kept");
    const first = await claimHostCache(cache, "b1");
    expect(first.found).toBe(false);
    await writeFile(join(first.dir, "npm-cache"), "one");
    await first.keep();
    expect(await readdir(cache)).toEqual(["current"]);
    const second = await claimHostCache(cache, "b2");
    expect(second.found).toBe(true);
    expect(await readFile(join(second.dir, "npm-cache"), "utf8")).toBe("one");
    expect(await readdir(cache)).toEqual(["build-b2"]); // while it builds, no other build sees it
  });

  it("is taken by one of two builds at once; the one that finishes last is kept", async () => {
    const cache = await root("together");
    const seed = await claimHostCache(cache, "seed");
    await writeFile(join(seed.dir, "from"), "seed");
    await seed.keep();
    const [a, b] = await Promise.all([claimHostCache(cache, "a"), claimHostCache(cache, "b")]);
    expect([a!.found, b!.found].sort()).toEqual([false, true]);
    await writeFile(join(a!.dir, "from"), "a");
    await writeFile(join(b!.dir, "from"), "b");
    await a!.keep();
    await b!.keep();
    expect(await readdir(cache)).toEqual(["current"]);
    expect(await readFile(join(cache, "current", "from"), "utf8")).toBe("b");
  });

  it("is dropped by a build that fails, and the app's previous cache with it", async () => {
    const cache = await root("failed");
    const seed = await claimHostCache(cache, "seed");
    await seed.keep();
    const failing = await claimHostCache(cache, "f");
    await expect(compileKeepingCache(failing, async () => {
      await writeFile(join(failing.dir, "half"), "written");
      throw new Error("bin/compile exited 1");
    })).rejects.toThrow("bin/compile exited 1");
    expect(await readdir(cache)).toEqual([]);
    expect((await claimHostCache(cache, "next")).found).toBe(false);
  });

  it("removes a dead build's dir once it is old, never one a build took just now", async () => {
    const cache = await root("stale");
    const seed = await claimHostCache(cache, "seed");
    await seed.keep();
    const old = new Date(Date.now() - 3 * 60 * 60_000);
    await utimes(join(cache, "current"), old, old); // kept three hours ago
    await mkdir(join(cache, "build-dead"));
    await utimes(join(cache, "build-dead"), old, old);
    const taker = await claimHostCache(cache, "taker");
    expect(taker.found).toBe(true);
    const another = await claimHostCache(cache, "another");
    expect(another.found).toBe(false);
    expect((await readdir(cache)).sort()).toEqual(["build-another", "build-taker"]);
  });
});
