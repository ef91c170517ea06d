// The Build API's sources through the real API (in-process, throwaway database, the platform's
// Redis, a build queue of its own): a source's put_url takes a tarball (gzipped or not, in one top
// directory or not, as `git archive` makes them), its get_url gives it back, and a build made
// from the get_url reads the tree with its files at the top. What cannot be built is refused
// with what to do: another URL, the put_url, nothing uploaded, a checksum that differs, a file
// that is no tarball, a tree past the size limit.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tar from "tar-stream";
import type { AppRow } from "../../platform/db/index.ts";
import { buildScope, scopedToken } from "../../platform/lib/tokens.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, removeDir, uniqueName } from "../support/platform.ts";

interface Source {
  source_blob: { get_url: string; put_url: string };
}
interface Build {
  id: string;
  status: string;
  source_blob: { checksum: string | null; url: string | null; version: string | null };
}

const SIZE_LIMIT_MB = 1;

describe("sources and builds from them", () => {
  let api: InProcessApi;
  let url = "";
  let app: AppRow;
  let now = new Date();
  const dir = mkdtempSync(join(tmpdir(), "ouro-sources-test-"));
  const call = <T>(method: string, path: string, body?: unknown) => jsonRequest<T & { id?: string; message?: string }>({ base: url, key: api.key }, method, path, body);
  /** The test server's address in a URL the API made for the platform's port. */
  const here = (made: string) => made.replace(/^http:\/\/127\.0\.0\.1:\d+/, url);

  async function newSource(): Promise<Source["source_blob"]> {
    const made = await call<Source>("POST", `/apps/${app.name}/sources`);
    expect(made.status).toBe(201);
    return made.body.source_blob;
  }
  const put = (putUrl: string, body: Buffer) => fetch(here(putUrl), { method: "PUT", body: new Uint8Array(body) });
  async function names(checksum: string | null): Promise<string[]> {
    if (checksum === null) throw new Error("the build has no source tree");
    const extract = tar.extract();
    api.blobs.read(checksum).pipe(extract);
    const found: string[] = [];
    for await (const entry of extract) {
      found.push(entry.header.name);
      entry.resume();
    }
    return found.sort();
  }

  let repos = 0;
  /** A git repository of two files and a directory, archived by git as `format`, under `prefix`. */
  function archive(format: "tar" | "tar.gz", prefix = ""): Buffer {
    const repo = join(dir, `repo-${(repos += 1)}`);
    mkdirSync(join(repo, "public"), { recursive: true });
    writeFileSync(join(repo, "package.json"), '{"name":"from-a-source"}\n');
    writeFileSync(join(repo, "public", "index.html"), "<h1>built from a source</h1>\n");
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.email=t@ouro.local", "-c", "user.name=t", ...args]);
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "a source");
    return git("archive", `--format=${format}`, ...(prefix ? [`--prefix=${prefix}`] : []), "HEAD");
  }

  beforeAll(async () => {
    process.env.OURO_SLUG_SIZE_LIMIT = String(SIZE_LIMIT_MB);
    api = await inProcessApi({ prefix: "ouro_sources_test", clock: () => now });
    url = api.url;
    app = await api.createApp(uniqueName("sources"));
  });
  afterAll(async () => {
    delete process.env.OURO_SLUG_SIZE_LIMIT;
    await api?.close();
    removeDir(dir);
  });

  it("takes a repository archive in one top directory, gives it back from get_url, and builds the tree inside it", async () => {
    const source = await newSource();
    expect(source.put_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/sources/[0-9a-f-]{36}\\?user_id=${api.user.id}&expires=\\d+&token=[0-9a-f]{64}$`));
    expect(source.get_url.split("?")[0]).toBe(source.put_url.split("?")[0]);
    expect(source.get_url).not.toBe(source.put_url);

    const tarball = archive("tar.gz", "node-app-main/");
    expect((await put(source.put_url, tarball)).status).toBe(200);
    const back = await fetch(here(source.get_url));
    expect(back.status).toBe(200);
    expect(Buffer.from(await back.arrayBuffer()).equals(tarball)).toBe(true);

    const checksum = `SHA256:${createHash("sha256").update(tarball).digest("hex")}`;
    const made = await call<Build>("POST", `/apps/${app.name}/builds`, { source_blob: { url: source.get_url, checksum, version: "v1.2.3" } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: "pending", source_blob: { url: source.get_url, version: "v1.2.3" } });
    expect(await names(made.body.source_blob.checksum)).toEqual(["package.json", "public/", "public/index.html"]);
    // Queued for the builder, as a push's build is.
    expect((await api.queue.getJob(made.body.id!))?.data).toEqual({ buildId: made.body.id, app: app.name });
    expect((await call<Build>("GET", `/apps/${app.name}/builds/${made.body.id}`)).body.source_blob.url).toBe(source.get_url);
  });

  it("takes a plain tar with its files at the top as it is, from /sources as well", async () => {
    const made = await call<Source>("POST", "/sources");
    expect(made.status).toBe(201);
    expect((await put(made.body.source_blob.put_url, archive("tar"))).status).toBe(200);
    const build = await call<Build>("POST", `/apps/${app.name}/builds`, { source_blob: { url: made.body.source_blob.get_url } });
    expect(build.status).toBe(201);
    expect(await names(build.body.source_blob.checksum)).toEqual(["package.json", "public/", "public/index.html"]);
  });

  it("refuses a URL that is none or not http(s), the put_url, a source with nothing uploaded, or a checksum that differs, each with what to do", async () => {
    const refusal = async (source_blob: object) => {
      const res = await call("POST", `/apps/${app.name}/builds`, { source_blob });
      expect(res.status).toBe(422);
      return res.body.message;
    };
    expect(await refusal({ url: "not a url" })).toBe("source_blob.url is not a URL: give the URL of a tar.gz, or a source's get_url (POST /apps/:app/sources).");
    expect(await refusal({ url: "file:///etc/passwd" })).toBe("source_blob.url must be an http or https URL, not file.");
    const source = await newSource();
    expect(await refusal({ url: source.put_url })).toBe("source_blob.url is the source's put_url: a build reads its source from the get_url.");
    expect(await refusal({ url: source.get_url.replace(/.$/, (last) => (last === "0" ? "1" : "0")) })).toBe(
      "source_blob.url: This source URL is not valid: ask for a new one (POST /apps/:app/sources).",
    );
    expect(await refusal({ url: source.get_url })).toBe("Nothing has been uploaded to this source yet: PUT the tarball to its put_url first.");
    expect((await put(source.put_url, archive("tar.gz"))).status).toBe(200);
    expect(await refusal({ url: source.get_url, checksum: `SHA256:${"0".repeat(64)}` })).toMatch(/^The source uploaded there has checksum SHA256:[0-9a-f]{64}, not SHA256:0{64}: upload it again, or give its checksum\.$/);
    expect(await refusal({ url: source.get_url, checksum: "md5:abc" })).toBe("source_blob.checksum: a checksum is SHA256: and 64 hex digits");
  });

  it("builds from a URL elsewhere by its build dyno: the spec names the URL, and the API takes what the dyno fetched once, checked against the checksum given", async () => {
    const tarball = archive("tar.gz", "project-1.0/");
    const checksum = `SHA256:${createHash("sha256").update(tarball).digest("hex")}`;
    const where = "http://127.0.0.1:9/project/archive/1.0.tar.gz";
    const made = await call<Build>("POST", `/apps/${app.name}/builds`, { source_blob: { url: where, checksum, version: "1.0" } });
    expect(made.status).toBe(201);
    expect(made.body.source_blob).toEqual({ checksum: null, url: where, version: "1.0" });

    const id = made.body.id!;
    const token = scopedToken(api.deps.config.secrets.tokenSecret, buildScope(id));
    const internal = (method: string, path: string, body?: Buffer) =>
      fetch(`${url}/internal/builds/${id}/${path}`, { method, headers: { Authorization: `Bearer ${token}` }, ...(body ? { body: new Uint8Array(body) } : {}) });
    expect(((await (await internal("GET", "spec")).json()) as { sourceUrl?: string }).sourceUrl).toBe(where);
    const early = await internal("GET", "source");
    expect([early.status, ((await early.json()) as { message: string }).message]).toEqual([404, "This build's source has not been fetched yet (PUT it first)."]);

    const wrong = await internal("PUT", "source", archive("tar.gz"));
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { message: string }).message).toMatch(
      new RegExp(`^The source at ${where.replace(/[.]/g, "\\.")} has checksum SHA256:[0-9a-f]{64}, not ${checksum} as the build was told\\.$`),
    );
    expect((await internal("PUT", "source", tarball)).status).toBe(204);
    expect((await internal("PUT", "source", tarball)).status).toBe(409);

    const tree = (await call<Build>("GET", `/apps/${app.name}/builds/${id}`)).body.source_blob.checksum;
    expect(await names(tree)).toEqual(["package.json", "public/", "public/index.html"]);
    expect(((await (await internal("GET", "spec")).json()) as { sourceUrl?: string }).sourceUrl).toBeUndefined();
  });

  it("refuses an upload that is no tarball (422), a tree past the size limit (413), and a put_url past its hour (403)", async () => {
    const junk = await newSource();
    const notTar = await put(junk.put_url, Buffer.from("this is not a tarball at all, not even close to one. ".repeat(20)));
    expect(notTar.status).toBe(422);
    expect(((await notTar.json()) as { message: string }).message).toMatch(/^The uploaded source is not a tarball \(tar, or tar\.gz\) Ouro can read: /);

    // A megabyte and a half of zeros gzips to a few kilobytes: the limit is on the tree it unpacks to.
    const pack = tar.pack();
    pack.entry({ name: "zeros.bin" }, Buffer.alloc(1.5 * 1024 * 1024));
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    const bomb = (await import("node:zlib")).gzipSync(Buffer.concat(chunks));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const big = await newSource();
    expect((await put(big.put_url, bomb)).status).toBe(413);
    expect((await call("POST", `/apps/${app.name}/builds`, { source_blob: { url: big.get_url } })).status).toBe(422);

    const late = await newSource();
    const saved = now;
    now = new Date(now.getTime() + 3_600_000);
    try {
      expect((await put(late.put_url, archive("tar"))).status).toBe(403);
    } finally {
      now = saved;
    }
  });
});
