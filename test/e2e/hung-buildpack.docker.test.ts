// A buildpack whose bin/release never answers fails its build within the step's timeout (60 s),
// saying which step of which buildpack hung, and the next push builds. The buildpack is a git
// repository served by Ouro itself (any push stores one), cloned by the build dyno over the
// only path it has: the API.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, apiKey, apiPort, appWithCheckout, git, pushChange, removeDir, uniqueName } from "../support/platform.ts";

const fixture = appWithCheckout("hung", "static-site");
const buildpackApp = uniqueName("bp-hung");

/** A git repository holding a buildpack whose bin/release hangs (and a Procfile, so that pushing it as an app succeeds). */
function hungBuildpack(): string {
  const dir = mkdtempSync(join(tmpdir(), "ouro-bp-hung-"));
  mkdirSync(join(dir, "bin"));
  const scripts = {
    detect: 'echo "Hung release"',
    compile: 'echo "-----> Compiled by the hung buildpack"',
    release: "sleep 600 &\nsleep 600",
  };
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, "bin", name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, "bin", name), 0o755);
  }
  writeFileSync(join(dir, "Procfile"), "worker: sleep 1\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "a buildpack whose bin/release hangs");
  git(dir, "remote", "add", "ouro", `http://ouro:${apiKey()}@127.0.0.1:${apiPort}/${buildpackApp}.git`);
  return dir;
}

describe("a buildpack whose bin/release hangs", () => {
  let buildpackDir = "";

  beforeAll(async () => {
    expect((await api("POST", "/apps", { name: buildpackApp })).status).toBe(201);
    buildpackDir = hungBuildpack();
    const stored = git(buildpackDir, "push", "ouro", "main");
    expect(stored.code, stored.output).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await api("DELETE", `/apps/${buildpackApp}`);
    removeDir(buildpackDir);
  });

  it("fails the build within the step's timeout, and the next push builds", async () => {
    const url = `http://ouro:${apiKey()}@ouro-host:${apiPort}/${buildpackApp}.git`;
    expect((await api("PUT", `/apps/${fixture.name}/buildpack-installations`, { updates: [{ buildpack: url }] })).status).toBe(200);
    const started = Date.now();
    const hung = git(fixture.dir, "push", "ouro", "main");
    const seconds = (Date.now() - started) / 1000;
    expect(hung.code, hung.output).not.toBe(0);
    expect(hung.output).toContain("-----> Compiled by the hung buildpack");
    expect(hung.output).toMatch(/buildpack's bin\/release did not finish within 60 s and was stopped\. Fix or replace that buildpack\./);
    expect(seconds).toBeLessThan(150);
    expect((await api<unknown[]>("GET", `/apps/${fixture.name}/releases`)).body).toEqual([]);

    expect((await api("PUT", `/apps/${fixture.name}/buildpack-installations`, { updates: [] })).status).toBe(200);
    const next = pushChange(fixture.dir, { from: "main", message: "the next push", change: (dir) => writeFileSync(join(dir, "public", "next.txt"), "next\n") });
    expect(next.code, next.output).toBe(0);
    expect(next.output).toContain("-----> Released v1");
  }, 300_000);
});
