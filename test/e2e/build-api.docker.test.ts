// The Build API end to end, through `ouro builds:create` and the real builder: a checkout's HEAD,
// then a repository archive in one top directory (as a code host serves one), each uploaded to a
// source, built, released and served; then an archive at a URL, which the build's own dyno
// fetches. The build's output streams while it runs and can be read again afterwards, and its
// source URL and version are the build's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dynoApiUrl, loadConfig, repoRoot } from "../../platform/lib/config.ts";
import { api, apiUrl, appWithCheckout, eventually, git, ouro, removeDir, viaRouter } from "../support/platform.ts";

const BUILD_MS = 300_000;

describe("builds through the Build API", () => {
  const fixture = appWithCheckout("bapi", "static-site");

  it("builds:create builds and releases the checkout's HEAD, streaming the build's output", async () => {
    const made = ouro(["builds:create", "-a", fixture.name], fixture.dir, undefined, BUILD_MS);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain("Uploading source... done");
    expect(made.stderr).toContain("-----> Released v1");
    const id = /^Build (\S+) succeeded$/m.exec(made.stdout)?.[1];
    expect(id, made.stdout).toBeDefined();
    const page = await viaRouter(fixture.name);
    expect([page.status, page.body]).toEqual([200, expect.stringContaining("<h1>Hello from a static site</h1>")]);

    const info = JSON.parse(ouro(["builds:info", id!, "-a", fixture.name, "--json"]).stdout) as { status: string; source_blob: { url: string; version: string } };
    expect(info.status).toBe("succeeded");
    expect(info.source_blob.version).toBe(git(fixture.dir, "rev-parse", "HEAD").output.trim());
    expect(info.source_blob.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sources\/[0-9a-f-]{36}\?/);
  }, BUILD_MS);

  it("builds:create --source-tar builds an archive whose files are in one top directory; builds:output reads its output again", async () => {
    writeFileSync(join(fixture.dir, "public", "index.html"), "<h1>Built from an archive</h1>\n");
    expect(git(fixture.dir, "commit", "-qam", "from an archive").code).toBe(0);
    const tarball = join(fixture.dir, "..", `${fixture.name}-main.tar.gz`);
    expect(git(fixture.dir, "archive", "--format=tar.gz", `--prefix=${fixture.name}-main/`, "-o", tarball, "HEAD").code).toBe(0);

    const made = ouro(["builds:create", "--source-tar", tarball, "--version", "v2.0.0", "-a", fixture.name], undefined, undefined, BUILD_MS);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain("-----> Released v2");
    await eventually("the archive's page served", async () => ((await viaRouter(fixture.name)).body.includes("Built from an archive") ? true : undefined));

    const again = ouro(["builds:output", "-a", fixture.name]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("-----> Released v2");
    const builds = JSON.parse(ouro(["builds", "-a", fixture.name, "--json"]).stdout) as { source_blob: { version: string } }[];
    expect(builds.map((b) => b.source_blob.version)).toEqual(["v2.0.0", git(fixture.dir, "rev-parse", "HEAD~1").output.trim()]);
  }, BUILD_MS);

  it("builds:create --source-url: the build's dyno fetches the tarball (here from the API's own address as a dyno reaches it), and a URL that answers 404 fails the build with why", async () => {
    writeFileSync(join(fixture.dir, "public", "index.html"), "<h1>Fetched from a URL</h1>\n");
    expect(git(fixture.dir, "commit", "-qam", "fetched from a URL").code).toBe(0);
    const tarball = join(fixture.dir, "..", `${fixture.name}-url.tar.gz`);
    expect(git(fixture.dir, "archive", "--format=tar.gz", `--prefix=${fixture.name}-1.0/`, "-o", tarball, "HEAD").code).toBe(0);
    const source = (await api<{ source_blob: { get_url: string; put_url: string } }>("POST", "/sources")).body.source_blob;
    expect((await fetch(source.put_url, { method: "PUT", body: new Uint8Array(readFileSync(tarball)) })).status).toBe(200);
    // Not the API's own address (127.0.0.1), so not a source Ouro holds: the build dyno fetches it.
    const elsewhere = source.get_url.replace(apiUrl, dynoApiUrl(loadConfig()));

    const made = ouro(["builds:create", "--source-url", elsewhere, "--version", "1.0", "-a", fixture.name], undefined, undefined, BUILD_MS);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain(`-----> Fetching the source from ${elsewhere.split("?")[0]}\n`);
    expect(made.stderr).not.toContain("token=");
    expect(made.stderr).toContain("-----> Released v3");
    await eventually("the fetched page served", async () => ((await viaRouter(fixture.name)).body.includes("Fetched from a URL") ? true : undefined));

    const missing = `${dynoApiUrl(loadConfig())}/no-such-archive.tar.gz`;
    const failed = ouro(["builds:create", "--source-url", missing, "-a", fixture.name], undefined, undefined, BUILD_MS);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`Error: Build `);
    expect(failed.stderr).toMatch(new RegExp(`failed: Could not fetch the source from ${missing.replace(/[.]/g, "\\.")}: it answered HTTP 40[14]\\.`));
    expect((await viaRouter(fixture.name)).body).toContain("Fetched from a URL");
  }, BUILD_MS);

  it("builds:create says what failed and exits 1 when the build fails, and the release serving stays", async () => {
    const nothing = mkdtempSync(join(tmpdir(), "ouro-nothing-"));
    try {
      const tarball = join(nothing, "nothing.tar.gz");
      execFileSync("tar", ["-czf", tarball, "-C", join(repoRoot, "test", "fixtures", "nothing-to-build"), "."]);
      const made = ouro(["builds:create", "--source-tar", tarball, "-a", fixture.name], undefined, undefined, BUILD_MS);
      expect(made.code).toBe(1);
      expect(made.stderr).toMatch(/ !     No buildpack detected this app\./);
      expect(made.stderr).toMatch(/^Error: Build \S+ failed: No buildpack detected this app\./m);
    } finally {
      removeDir(nothing);
    }
    expect((await viaRouter(fixture.name)).body).toContain("Fetched from a URL");
  }, BUILD_MS);
});
