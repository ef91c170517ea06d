// The release phase: a `release:` process type runs as a one-off dyno of the new
// release before the formation moves; its output streams into the push.
// beforeAll deploys v1 with a release command that succeeds; each test starts from it.
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { api, appWithCheckout, git, pushChange, viaRouter } from "../support/platform.ts";

const fixture = appWithCheckout("release", "hello-express");
const app = fixture.name;

interface Release { version: number; status: string; current: boolean }

const releases = async () => (await api<Release[]>("GET", `/apps/${app}/releases`)).body;
const withRelease = (command: string) => (dir: string) => writeFileSync(`${dir}/Procfile`, `web: node server.js\nrelease: ${command}\n`);

describe("release phase", () => {
  let deploy: ReturnType<typeof pushChange>;
  let deployed = ""; // the commit v1 was built from

  beforeAll(() => {
    const base = git(fixture.dir, "rev-parse", "HEAD").output.trim();
    deploy = pushChange(fixture.dir, { from: base, message: "release: echo migrating", change: withRelease("echo migrating for $DYNO") });
    deployed = deploy.commit;
  }, 300_000);

  it("runs the release command before the new release serves, streaming its output", async () => {
    expect(deploy.output).toContain("Running release command: echo migrating for $DYNO");
    expect(deploy.output).toContain("migrating for release.1");
    expect(deploy.code, deploy.output).toBe(0);
    expect((await releases()).find((r) => r.current)).toMatchObject({ version: 1, status: "succeeded" });
    expect((await viaRouter(app)).body).toContain("Hello from web.1");
  }, 60_000);

  it("a release command that exits 1 fails the release; the push says why and the previous release keeps serving", async () => {
    const before = await releases();
    const current = before.find((r) => r.current)!;
    const next = Math.max(...before.map((r) => r.version)) + 1;
    const push = pushChange(fixture.dir, { from: deployed, message: "release: exit 1", change: withRelease("echo cannot migrate; exit 1") });
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("cannot migrate");
    expect(push.output).toContain(`Release command (echo cannot migrate; exit 1) exited with status 1: v${next} failed and the current release keeps serving`);
    expect((await releases()).map((r) => [r.version, r.status, r.current])).toEqual([
      ...before.map((r) => [r.version, r.status, r.current]),
      [next, "failed", false],
    ]);
    expect(current.status).toBe("succeeded");
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain("Hello from web.1");
  }, 300_000);
});
