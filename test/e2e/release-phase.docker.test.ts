// The release phase: a `release:` process type runs as a one-off dyno of the new
// release before the formation moves; its output streams into the push.
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { api, appWithCheckout, git, viaRouter } from "../support/platform.ts";

const fixture = appWithCheckout("release", "hello-express");
const app = fixture.name;

function procfile(release: string) {
  writeFileSync(`${fixture.dir}/Procfile`, `web: node server.js\nrelease: ${release}\n`);
  git(fixture.dir, "commit", "-q", "-am", `release: ${release}`);
}

describe("release phase", () => {

  it("runs the release command before the new release serves, streaming its output", async () => {
    procfile("echo migrating for $DYNO");
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.output).toContain("Running release command: echo migrating for $DYNO");
    expect(push.output).toContain("migrating for release.1");
    expect(push.code).toBe(0);
    expect((await viaRouter(app)).body).toContain("Hello from web.1");
  }, 300_000);

  it("a release command that exits 1 fails the release; the push says why and the previous release keeps serving", async () => {
    procfile("echo cannot migrate; exit 1");
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("cannot migrate");
    expect(push.output).toMatch(/Release command \(echo cannot migrate; exit 1\) exited with status 1: v2 failed and the current release keeps serving/);
    const releases = await api<{ version: number; status: string; current: boolean }[]>("GET", `/apps/${app}/releases`);
    expect(releases.body.map((r) => [r.version, r.status, r.current])).toEqual([
      [1, "succeeded", true],
      [2, "failed", false],
    ]);
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain("Hello from web.1");
  }, 300_000);
});
