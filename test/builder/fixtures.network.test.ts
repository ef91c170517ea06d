// The real buildpacks on the fixture apps static-site, yarn-app and pnpm-app, on the host,
// against the npm registry npm uses here (`npm config get registry`): the suite needs the
// network and fails, never skips, without it. One cache for the whole suite keeps the Node.js
// download to one; the static site is then served from its build dir.
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
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

  async function build(fixture: string) {
    const root = await tempDir();
    const sourceDir = join(root, "build");
    await cp(join(repo, "test", "fixtures", fixture), sourceDir, { recursive: true });
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
});
