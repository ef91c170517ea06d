// The release phase: a `release:` process type runs as a one-off dyno of the new
// release before the formation moves; its output streams into the push.
// beforeAll deploys v1 with a release command that succeeds; each test starts from it.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heroku, removeHerokuHome } from "../support/heroku.ts";
import { api, appWithCheckout, eventually, git, ouro, pushChange, viaRouter } from "../support/platform.ts";

const fixture = appWithCheckout("release", "hello-express");
const app = fixture.name;

interface Release { version: number; status: string; current: boolean }

const releases = async () => (await api<Release[]>("GET", `/apps/${app}/releases`)).body;
/** What the running dynos use: the formation and the config, which a failed release must leave as they were. */
const runningModel = async () => ({
  formation: (await api<{ type: string; quantity: number }[]>("GET", `/apps/${app}/formation`)).body.map((f) => `${f.type}=${f.quantity}`).sort(),
  config: (await api<Record<string, string>>("GET", `/apps/${app}/config-vars`)).body,
});
/** The app's web dynos, each with the release it runs. */
const runningDynos = async () =>
  (await api<{ name: string; type: string; release: { version: number } }[]>("GET", `/apps/${app}/dynos`)).body
    .filter((d) => d.type === "web")
    .map((d) => `${d.name} v${d.release.version}`)
    .sort();
const withRelease = (command: string) => (dir: string) => writeFileSync(`${dir}/Procfile`, `web: node server.js\nrelease: ${command}\n`);

/**
 * A push of `procfile` that is to fail, with what it must leave as it was: the current release,
 * the version the push will take, and the formation and config the dynos run.
 */
async function failingPush(message: string, procfile: string) {
  const before = await releases();
  const current = before.find((r) => r.current)!;
  const next = Math.max(...before.map((r) => r.version)) + 1;
  const model = await runningModel();
  const push = pushChange(fixture.dir, { from: deployed, message, change: (dir) => writeFileSync(`${dir}/Procfile`, procfile) });
  return { before, current, next, model, push };
}

let deployed = ""; // the commit v1 was built from

describe("release phase", () => {
  let deploy: ReturnType<typeof pushChange>;

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

    // The release's output_stream_url gives the release command's output again, to heroku's
    // releases:output and to ouro's.
    const output = heroku(["releases:output", "v1", "-a", app]);
    expect(output.code, output.stderr).toBe(0);
    expect(output.stdout).toBe("migrating for release.1\n");
    expect(ouro(["releases:output", "-a", app]).stdout).toBe("migrating for release.1\n");
  }, 60_000);

  afterAll(removeHerokuHome);

  it("a release command that exits 1 fails the release; the push says why and the previous release keeps serving", async () => {
    // The failed release drops `web` and adds `worker`: neither may reach the formation.
    const { before, current, next, model, push } = await failingPush("release: exit 1", "worker: node worker.js\nrelease: echo cannot migrate; exit 1\n");
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("cannot migrate");
    expect(push.output).toContain(`Release command (echo cannot migrate; exit 1) exited with status 1: v${next} failed and the current release keeps serving`);
    expect((await releases()).map((r) => [r.version, r.status, r.current])).toEqual([
      ...before.map((r) => [r.version, r.status, r.current]),
      [next, "failed", false],
    ]);
    expect(current.status).toBe("succeeded");
    expect(await runningModel()).toEqual(model);
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain("Hello from web.1");
  }, 300_000);

  it("a config change whose web dynos crash at boot fails: config:set says why, and the config and dynos stay as they were", async () => {
    const before = await releases();
    const current = before.find((r) => r.current)!;
    const next = Math.max(...before.map((r) => r.version)) + 1;
    const model = await runningModel();
    const dynos = await runningDynos();

    const set = ouro(["config:set", "GREETING=broken", "REFUSE_TO_BOOT=yes", "-a", app]);
    expect(set.code, set.stderr).toBe(1);
    expect(set.stderr).toContain("Setting GREETING, REFUSE_TO_BOOT and restarting");
    expect(set.stderr).toMatch(new RegExp(`v${next} failed: web\\.1 .*; v${next} failed and the previous release keeps serving`));
    expect((await releases()).find((r) => r.version === next)).toMatchObject({ status: "failed", current: false });
    expect((await releases()).find((r) => r.current)!.version).toBe(current.version);
    // Neither the new config nor a dyno of it is left; the old dyno served throughout.
    expect(await runningModel()).toEqual(model);
    expect(ouro(["config:get", "GREETING", "-a", app]).stdout.trim()).toBe(model.config.GREETING ?? "");
    await eventually("only the previous release's dynos", async () => ((await runningDynos()).join() === dynos.join() ? true : undefined));
    expect((await viaRouter(app)).body).not.toContain("broken");

    // A good change after it deploys as usual, on the config that is current (not the failed one's).
    const fixed = ouro(["config:set", "GREETING=fixed", "-a", app]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain(`done, v${next + 1}`);
    expect((await releases()).find((r) => r.current)!.version).toBe(next + 1);
    expect((await viaRouter(app)).body).toContain("fixed");
    expect((await runningModel()).config.REFUSE_TO_BOOT).toBeUndefined();
  }, 300_000);

  it("a push whose web process never binds $PORT: R10 in the logs, the push fails, the previous release serves, no retry", async () => {
    expect(ouro(["config:set", "OURO_BOOT_TIMEOUT=3", "-a", app]).code).toBe(0);
    // The config release runs the release phase too: it is current once that passed.
    await eventually("the config release to be current", async () => {
      const all = await releases();
      return all.at(-1)?.current ? all : undefined;
    });
    const { current, next, model, push } = await failingPush("web never binds", "web: sleep 600\nworker: node worker.js\n");
    expect(push.code, push.output).not.toBe(0);
    expect(push.output).toContain(`web.1 did not bind to $PORT (5000) within 3 s, stopping it (R10); v${next} failed and the previous release keeps serving`);
    expect((await releases()).find((r) => r.current)!.version).toBe(current.version);
    expect((await releases()).find((r) => r.version === next)).toMatchObject({ status: "failed", current: false });
    expect(await runningModel()).toEqual(model);
    const logs = ouro(["logs", "-a", app, "-n", "200"]).stdout;
    expect(logs).toMatch(/ouro\[web\.1\]: Error R10 \(Boot timeout\): did not bind to \$PORT \(5000\) within 3 s/);
    expect((await viaRouter(app)).body).toContain("Hello from web.1");
    // No retry loop: a few seconds on, still one R10 and the old release serving.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const later = ouro(["logs", "-a", app, "-n", "500"]).stdout;
    // (An earlier test's release crashed at boot: its R10 says "exited before it bound".)
    expect(later.match(/Error R10 \(Boot timeout\): did not bind/g), later).toHaveLength(1);
    expect((await viaRouter(app)).body).toContain("Hello from web.1");
  }, 300_000);
});
