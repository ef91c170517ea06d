// The real buildpacks on the fixture apps static-site, yarn-app and pnpm-app, on the host,
// against the npm registry npm uses here (`npm config get registry`): the suite needs the
// network and fails, never skips, without it. One cache for the whole suite keeps the Node.js
// download to one; the static site is then served from its build dir.
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../apps/builder/index.ts";
import { requireRegistry } from "../support/requirements.ts";
import { tempDir } from "./helpers.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));

describe("the real buildpacks on the fixture apps (network)", () => {
  let registry = "";
  let cacheDir = "";
  beforeAll(async () => {
    registry = await requireRegistry();
    cacheDir = await mkdtemp(join(tmpdir(), "ouro-network-cache-")); // not tempDir's: that goes after each test
  });
  afterAll(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  async function build(fixture: string | { packageJson: object }) {
    const root = await tempDir();
    const sourceDir = join(root, "build");
    if (typeof fixture === "string") await cp(join(repo, "test", "fixtures", fixture), sourceDir, { recursive: true });
    else {
      await mkdir(sourceDir, { recursive: true });
      await writeFile(join(sourceDir, "package.json"), JSON.stringify(fixture.packageJson));
    }
    let log = "";
    const result = await compile({
      sourceDir,
      cacheDir,
      envDir: join(root, "env"),
      workDir: join(root, "out"),
      buildpacksDir: join(repo, "buildpacks"),
      buildEnv: { NPM_CONFIG_REGISTRY: registry },
      output: (text) => (log += text),
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${log}`);
    });
    return { result, log, sourceDir };
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
