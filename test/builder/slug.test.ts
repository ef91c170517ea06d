import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, readFile, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, gzipSync } from "node:zlib";
import tar from "tar-stream";
import type { Header } from "tar-stream";
import { describe, expect, it } from "vitest";
import { packDirectory } from "../../apps/builder/index.ts";
import { memberLevel } from "../../apps/builder/slug.ts";
import { tempDir } from "./helpers.ts";

async function makeApp(dir: string): Promise<void> {
  await mkdir(join(dir, "lib", "deep"), { recursive: true });
  await mkdir(join(dir, ".git"));
  await writeFile(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
  await writeFile(join(dir, "package.json"), '{"name":"x"}\n');
  await writeFile(join(dir, "lib", "a.js"), "export const a = 1;\n");
  await writeFile(join(dir, "lib", "deep", "run.sh"), "#!/bin/sh\necho hi\n");
  await chmod(join(dir, "lib", "deep", "run.sh"), 0o755);
  await writeFile(join(dir, "a-b.txt"), "x".repeat(1000));
  await writeFile(join(dir, "x".repeat(120)), "long name\n");
  await symlink("lib/a.js", join(dir, "link.js"));
}

async function headersOf(slug: string): Promise<Header[]> {
  const headers: Header[] = [];
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    headers.push(header);
    stream.on("end", () => next());
    stream.resume();
  });
  await pipeline(createReadStream(slug), createGunzip(), extract);
  return headers;
}

/** The first bytes of a gzip member: magic, deflate, no flags, mtime 0. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);

describe("packDirectory", () => {
  it("gives byte-identical slugs for the same tree, whatever the mtimes", async () => {
    const app = await tempDir();
    const out = await tempDir();
    await makeApp(app);
    const first = await packDirectory({ dir: app, out: join(out, "1.tgz"), exclude: ["./.git"] });
    await utimes(join(app, "package.json"), new Date(), new Date(2001, 1, 1));
    const second = await packDirectory({ dir: app, out: join(out, "2.tgz"), exclude: ["./.git"] });
    expect(second).toEqual(first);
    const sha = async (file: string) => createHash("sha256").update(await readFile(file)).digest("hex");
    expect(`SHA256:${await sha(join(out, "1.tgz"))}`).toBe(first.checksum);
    expect(await sha(join(out, "2.tgz"))).toBe(await sha(join(out, "1.tgz")));
    expect(first.size).toBe((await readFile(join(out, "1.tgz"))).length);
  });

  it("packs a large tree in several gzip members, the same bytes each time, which gunzip and tar read as one", async () => {
    const app = await tempDir();
    const out = await tempDir();
    // 20 MB that compresses little (a Node.js binary's worth of bytes): three members of 8 MB of tar.
    let seed = 1;
    const noise = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE((seed = (seed * 1103515245 + 12345) >>> 0), i);
    await writeFile(join(app, "big.bin"), noise);
    await writeFile(join(app, "small.txt"), "after the big one\n");
    const first = await packDirectory({ dir: app, out: join(out, "1.tgz") });
    const second = await packDirectory({ dir: app, out: join(out, "2.tgz") });
    expect(second).toEqual(first);
    const packed = await readFile(join(out, "1.tgz"));
    let members = 0;
    for (let at = packed.indexOf(GZIP_MAGIC); at !== -1; at = packed.indexOf(GZIP_MAGIC, at + 1)) members++;
    expect(members).toBeGreaterThanOrEqual(3); // a member's header, and any chance match in the data
    const unpacked = await tempDir();
    execFileSync("tar", ["-xzf", join(out, "1.tgz"), "-C", unpacked]);
    expect((await readFile(join(unpacked, "big.bin"))).equals(noise)).toBe(true);
    expect(await readFile(join(unpacked, "small.txt"), "utf8")).toBe("after the big one\n");
    expect((await headersOf(join(out, "1.tgz"))).map((h) => h.name)).toEqual(["./", "./big.bin", "./small.txt"]);
  });

  it("stores a member of what is compressed already, compresses one of text, and reads back the same bytes", async () => {
    const tarball = gzipSync(randomBytes(8 * 1024 * 1024), { level: 1 });
    const text = Buffer.from("const answer = 42; // the same line, again and again\n".repeat(160_000));
    expect(await memberLevel(tarball)).toBe(0);
    expect(await memberLevel(text)).toBe(1);
    // Compressed in part: the level is by the member's bytes, whatever is around them.
    expect(await memberLevel(Buffer.concat([text.subarray(0, 4 << 20), tarball.subarray(0, 4 << 20)]))).toBe(1);

    const app = await tempDir();
    const out = await tempDir();
    await writeFile(join(app, "a-download.tgz"), Buffer.concat([tarball, tarball]));
    await writeFile(join(app, "b-source.js"), Buffer.concat([text, text]));
    const first = await packDirectory({ dir: app, out: join(out, "1.tgz") });
    expect(await packDirectory({ dir: app, out: join(out, "2.tgz") })).toEqual(first);
    expect(first.size).toBeLessThan(2 * tarball.length + text.length / 5);
    const unpacked = await tempDir();
    execFileSync("tar", ["-xzf", join(out, "1.tgz"), "-C", unpacked]);
    expect((await readFile(join(unpacked, "a-download.tgz"))).equals(Buffer.concat([tarball, tarball]))).toBe(true);
    expect((await readFile(join(unpacked, "b-source.js"))).equals(Buffer.concat([text, text]))).toBe(true);
  });

  it("writes sorted relative entries owned by dyno, mtime 0, modes and symlinks kept, no .git", async () => {
    const app = await tempDir();
    const out = await tempDir();
    await makeApp(app);
    await packDirectory({ dir: app, out: join(out, "slug.tgz"), exclude: ["./.git"] });
    const headers = await headersOf(join(out, "slug.tgz"));
    const names = headers.map((h) => h.name);
    expect(names[0]).toBe("./");
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(names).toContain("./package.json");
    expect(names).toContain("./lib/");
    expect(names).toContain(`./${"x".repeat(120)}`);
    expect(names.some((n) => n.includes(".git"))).toBe(false);
    for (const h of headers) {
      expect([h.uid, h.gid, h.uname, h.gname, h.mtime.getTime()]).toEqual([1000, 1000, "dyno", "dyno", 0]);
    }
    const byName = new Map(headers.map((h) => [h.name, h]));
    expect(byName.get("./lib/deep/run.sh")?.mode).toBe(0o755);
    expect(byName.get("./package.json")?.mode).toBe(0o644);
    expect(byName.get("./link.js")).toMatchObject({ type: "symlink", linkname: "lib/a.js" });
  });
});
