// The kernel's check of a slug a build dyno uploads: real tars, made with tar-stream.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { checkSlug } from "../../platform/lib/safe-extract.ts";
import { type TarEntry as Entry, tarOf } from "../support/tars.ts";

const slugOf = async (entries: Entry[]) => Readable.from([await tarOf(entries)]);

const ok: Entry[] = [
  { name: "./", type: "directory", mode: 0o755 },
  { name: "./bin/", type: "directory", mode: 0o755 },
  { name: "./bin/web", type: "file", mode: 0o755, body: "#!/bin/sh\n" },
  { name: "./node_modules/.bin/tool", type: "symlink", linkname: "../tool/cli.js", mode: 0o777 },
  { name: "./.heroku/node/bin/node", type: "symlink", linkname: "/app/.heroku/node/bin/real", mode: 0o777 },
  { name: "./tmp/", type: "directory", mode: 0o1777 },
];

describe("checkSlug", () => {
  it("passes files, directories and symlinks, sticky bits included", async () => {
    await expect(checkSlug(await slugOf(ok))).resolves.toBeUndefined();
  });

  it.each<[string, Entry, RegExp]>([
    ["a setuid file", { name: "./bin/su", type: "file", mode: 0o4755, uid: 0, body: "x" }, /"\.\/bin\/su" has a setuid or setgid bit/],
    ["a setgid file", { name: "./bin/g", type: "file", mode: 0o2755, body: "x" }, /setuid or setgid/],
    ["a setgid directory", { name: "./shared/", type: "directory", mode: 0o2775 }, /setuid or setgid/],
    ["a device", { name: "./dev/mem", type: "character-device", mode: 0o644, devmajor: 1, devminor: 1 }, /character-device; a slug holds only/],
    ["a hard link", { name: "./passwd", type: "link", linkname: "../../etc/passwd" }, /link; a slug holds only/],
    ["an absolute path", { name: "/etc/cron.d/x", type: "file", mode: 0o644, body: "x" }, /absolute path/],
    ["a path out of /app", { name: "./../../etc/x", type: "file", mode: 0o644, body: "x" }, /"\.\." path component/],
  ])("refuses %s, saying which entry and why", async (_, bad, message) => {
    const error = await checkSlug(await slugOf([...ok, bad])).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("UnsafeArchiveError");
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/current release keeps serving/);
  });

  it("refuses what is not a tar at all", async () => {
    await expect(checkSlug(Readable.from([Buffer.from("not a slug, just some bytes that are long enough".repeat(20))]))).rejects.toThrow(/could not be read/);
  });
});
