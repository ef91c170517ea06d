// A dyno's confinement as a user meets it: `ouro run` in a deployed app shows no capability and
// no new privileges, a read-only root with writable /app and /tmp, and a network from which
// the API and the router are reachable and the kernel's datastores and other apps' dynos are
// not — while the app itself answers through the router.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { DYNO_HOST, loadConfig } from "../../platform/lib/config.ts";
import { openTargets, probeScript } from "../support/dynos.ts";
import { appWithCheckout, git, ouro, viaRouter } from "../support/platform.ts";

const config = loadConfig();
const fixture = appWithCheckout("confined", "hello-express");

/** The address of a running web dyno of another app (the postgres add-on provider, a system app). */
function otherAppsDyno(): string {
  const id = execFileSync("docker", ["ps", "-q", "--filter", "label=ouro.namespace=ouro", "--filter", "label=ouro.app=postgres", "--filter", "label=ouro.type=web"], { encoding: "utf8" }).trim().split("\n")[0]!;
  expect(id, "the postgres provider's web dyno is running").not.toBe("");
  return execFileSync("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id], { encoding: "utf8" }).trim();
}

describe("inside a dyno of a deployed app", () => {
  beforeAll(() => {
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
  }, 300_000);

  it("ouro run: no capability, no new privileges, a read-only root, writable /app and /tmp", () => {
    const run = ouro(["run", "-a", fixture.name, "--", "grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; touch /x 2>&1; touch /app/x /tmp/x && echo writable"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(run.stdout).toMatch(/NoNewPrivs:\s+1/);
    expect(run.stdout).toMatch(/touch: cannot touch '\/x': Read-only file system/);
    expect(run.stdout).toContain("writable");
  }, 60_000);

  it("ouro run: the API and the router answer; the kernel's PostgreSQL and Redis and another app's dyno do not", async () => {
    const host = (port: number) => `${DYNO_HOST}:${port}`;
    const other = `${otherAppsDyno()}:5000`;
    const targets = [host(config.apiPort), host(config.routerPort), host(config.postgresPort), host(config.redisPort), other];
    const run = ouro(["run", "-a", fixture.name, "--", probeScript(targets)]);
    expect(run.code, run.stderr).toBe(0);
    expect(openTargets(targets, run.stdout)).toEqual({
      [targets[0]!]: true,
      [targets[1]!]: true,
      [targets[2]!]: false,
      [targets[3]!]: false,
      [other]: false,
    });
    expect(await viaRouter(fixture.name)).toMatchObject({ status: 200, body: expect.stringMatching(/^Hello from web\.1/) });
  }, 60_000);
});
