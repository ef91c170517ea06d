// A slug in layers: the runtime and the dependencies apart from the app, the layers joined byte
// for byte into a tarball that extracts to the whole tree, the same bytes whether a kept runtime
// layer was reused or packed afresh.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { cp, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { packSlugLayers } from "../../apps/builder/layers.ts";
import { LAYER_END, endsAsLayer, joinedDigest, joinedDigestFrom, joinedSize, joinedSlug } from "../../platform/lib/slug-layers.ts";
import { tempDir } from "./helpers.ts";

async function makeApp(dir: string): Promise<void> {
  await mkdir(join(dir, ".heroku", "node", "bin"), { recursive: true });
  await mkdir(join(dir, ".heroku", "yarn"), { recursive: true });
  await mkdir(join(dir, "lib"), { recursive: true });
  await writeFile(join(dir, ".heroku", "node", "bin", "node"), "#!/bin/sh\necho node\n", { mode: 0o755 });
  await writeFile(join(dir, ".heroku", "node", "big"), Buffer.alloc(9 * 1024 * 1024, 7)); // more than one gzip member
  await symlink("bin/node", join(dir, ".heroku", "node", "nodejs"));
  await writeFile(join(dir, ".heroku", "yarn", "yarn.js"), "yarn\n");
  await writeFile(join(dir, "server.js"), "console.log('hi')\n");
  await mkdir(join(dir, "node_modules", "dep", "bin"), { recursive: true });
  await mkdir(join(dir, "node_modules", ".bin"));
  await writeFile(join(dir, "node_modules", "dep", "bin", "dep.js"), "#!/usr/bin/env node\n", { mode: 0o755 });
  await symlink("../dep/bin/dep.js", join(dir, "node_modules", ".bin", "dep"));
  await writeFile(join(dir, "lib", "a.js"), "export const a = 1;\n");
  await mkdir(join(dir, ".git"));
  await writeFile(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
}

/** Every path under `dir` with its type and content, as `tar` extracted it. */
function tree(dir: string): string {
  return execFileSync("bash", ["-c", `cd "$1" && find . -printf '%y %m %p %l\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum`, "tree", dir], {
    encoding: "utf8",
  });
}

const sha256 = async (path: string) => `SHA256:${createHash("sha256").update(await readFile(path)).digest("hex")}`;

describe("a slug in layers", () => {
  it("puts the runtime and the dependencies in a layer each and joins the layers into a tarball of the whole tree", async () => {
    const work = await tempDir();
    const app = join(work, "app");
    await makeApp(app);
    const slug = await packSlugLayers({ buildDir: app, outDir: join(work, "out"), exclude: ["./.git"] });
    expect(slug.layers.map((l) => l.path)).toEqual(["layer-0.tgz", "layer-1.tgz", "app.tgz"].map((name) => join(work, "out", name)));
    for (const layer of slug.layers) {
      expect(await sha256(layer.path)).toBe(layer.checksum);
      expect(await endsAsLayer(layer.path)).toBe(true);
    }
    const list = (path: string) => execFileSync("tar", ["-tzf", path], { encoding: "utf8" }).trim().split("\n").sort();
    expect(list(slug.layers[0]!.path)).toEqual(["./", "./.heroku/", "./.heroku/node/", "./.heroku/node/big", "./.heroku/node/bin/", "./.heroku/node/bin/node", "./.heroku/node/nodejs"]);
    expect(list(slug.layers[1]!.path)).toEqual(["./", "./node_modules/", "./node_modules/.bin/", "./node_modules/.bin/dep", "./node_modules/dep/", "./node_modules/dep/bin/", "./node_modules/dep/bin/dep.js"]);
    expect(list(slug.layers[2]!.path)).toEqual(["./", "./.heroku/", "./.heroku/yarn/", "./.heroku/yarn/yarn.js", "./lib/", "./lib/a.js", "./server.js"]);

    // Joined: the lower layers' bytes without their end member, then the app's; a plain tar reads it all.
    const joined = join(work, "joined.tgz");
    await pipeline(joinedSlug(slug.layers.map((l) => l.path)), createWriteStream(joined));
    const sizes = await Promise.all(slug.layers.map(async (l) => (await stat(l.path)).size));
    expect((await stat(joined)).size).toBe(sizes[0]! - LAYER_END.length + sizes[1]! - LAYER_END.length + sizes[2]!);
    expect(await joinedSize(slug.layers.map((l) => l.path))).toBe((await stat(joined)).size);
    expect(slug.size).toBe((await stat(joined)).size);
    expect(await joinedDigest(slug.layers.map((l) => l.path))).toEqual({ checksum: await sha256(joined), size: slug.size });
    // The lower layers' hash is kept for the next top over them: each top still gets its own digest.
    const lowers = slug.layers.slice(0, -1).map((l) => l.path);
    await writeFile(join(app, "server.js"), "console.log('another top')\n");
    const other = await packSlugLayers({ buildDir: app, outDir: join(work, "other"), exclude: ["./.git"] });
    const otherJoined = join(work, "other-joined.tgz");
    await pipeline(joinedSlug([...lowers, other.layers[2]!.path]), createWriteStream(otherJoined));
    const [again, second] = await Promise.all([joinedDigestFrom(lowers)(slug.layers[2]!.path), joinedDigestFrom(lowers)(other.layers[2]!.path)]);
    expect(again).toEqual({ checksum: await sha256(joined), size: slug.size });
    expect(second).toEqual({ checksum: await sha256(otherJoined), size: (await stat(otherJoined)).size });
    expect(second.checksum).not.toBe(again.checksum);
    await writeFile(join(app, "server.js"), "console.log('hi')\n");
    await mkdir(join(work, "extracted"));
    execFileSync("tar", ["-xzf", joined, "-C", join(work, "extracted")]);
    execFileSync("rm", ["-rf", join(app, ".git")]);
    expect(tree(join(work, "extracted"))).toBe(tree(app));
  });

  it("reuses the runtime layer it kept while the runtime's files are the same ones, with the bytes of a fresh pack", async () => {
    const work = await tempDir();
    const app = join(work, "app");
    const keepDir = join(work, "keep");
    await makeApp(app);
    const first = await packSlugLayers({ buildDir: app, outDir: join(work, "1"), exclude: ["./.git"], keepDir });
    await writeFile(join(app, "server.js"), "console.log('changed')\n");
    const second = await packSlugLayers({ buildDir: app, outDir: join(work, "2"), exclude: ["./.git"], keepDir });
    // Reused: the kept file itself, linked in, not packed again. The dependencies are packed
    // again, to the same bytes; the app's layer changed.
    expect((await stat(second.layers[0]!.path)).ino).toBe((await stat(first.layers[0]!.path)).ino);
    expect(second.layers[0]!.checksum).toBe(first.layers[0]!.checksum);
    expect((await stat(second.layers[1]!.path)).ino).not.toBe((await stat(first.layers[1]!.path)).ino);
    expect(second.layers[1]!.checksum).toBe(first.layers[1]!.checksum);
    expect(second.layers[2]!.checksum).not.toBe(first.layers[2]!.checksum);

    // The same tree copied (new inodes, nothing kept for it) packs afresh to the same bytes.
    const copy = join(work, "copy");
    await cp(app, copy, { recursive: true, verbatimSymlinks: true });
    const fresh = await packSlugLayers({ buildDir: copy, outDir: join(work, "3"), exclude: ["./.git"] });
    expect(fresh.layers.map((l) => l.checksum)).toEqual(second.layers.map((l) => l.checksum));

    // A runtime file changed: packed again, and only the new runtime is kept.
    await writeFile(join(app, ".heroku", "node", "bin", "node"), "#!/bin/sh\necho other\n");
    const third = await packSlugLayers({ buildDir: app, outDir: join(work, "4"), exclude: ["./.git"], keepDir });
    expect((await stat(third.layers[0]!.path)).ino).not.toBe((await stat(first.layers[0]!.path)).ino);
    expect(third.layers[0]!.checksum).not.toBe(first.layers[0]!.checksum);
    expect(execFileSync("ls", [keepDir], { encoding: "utf8" }).trim().split("\n")).toHaveLength(1);
  });

  it("is one piece when there is no runtime dir, or when it is a link", async () => {
    const work = await tempDir();
    const plain = join(work, "plain");
    await mkdir(plain);
    await writeFile(join(plain, "index.html"), "<p>hi</p>\n");
    const one = await packSlugLayers({ buildDir: plain, outDir: join(work, "1"), exclude: [] });
    expect(one.layers).toHaveLength(1);
    expect((await joinedDigest([one.layers[0]!.path])).checksum).toBe(one.layers[0]!.checksum);
    expect(one.size).toBe((await stat(one.layers[0]!.path)).size);

    const linked = join(work, "linked");
    await mkdir(join(linked, ".heroku"), { recursive: true });
    await mkdir(join(work, "elsewhere"));
    await symlink(join(work, "elsewhere"), join(linked, ".heroku", "node"));
    const link = await packSlugLayers({ buildDir: linked, outDir: join(work, "2"), exclude: [] });
    expect(link.layers).toHaveLength(1);
  });
});
