// A dyno's confinement as a user meets it: `ouro run` in a deployed app shows no capability and
// no new privileges, a read-only root with writable /app and /tmp, and a network from which
// the API and the router are reachable and the kernel's datastores and other apps' dynos are
// not — while the app itself answers through the router. Sizes: `ps:scale worker=1:standard-2X`
// shows in `ouro ps` and gives the dyno 1 GB; a worker that holds more is killed with R15 in
// the logs, and a new dyno replaces it. One push serves every test.
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { DYNO_HOST, loadConfig } from "../../platform/lib/config.ts";
import { openTargets, probeScript } from "../support/dynos.ts";
import { appWithCheckout, eventually, git, ouro, viaRouter } from "../support/platform.ts";

const config = loadConfig();
const fixture = appWithCheckout("confined", "hello-express");

/** The address of a running web dyno of another app (the postgres add-on provider, a system app). */
function otherAppsDyno(): string {
  const id = execFileSync("docker", ["ps", "-q", "--filter", "label=ouro.namespace=ouro", "--filter", "label=ouro.app=postgres", "--filter", "label=ouro.type=web"], { encoding: "utf8" }).trim().split("\n")[0]!;
  expect(id, "the postgres provider's web dyno is running").not.toBe("");
  return execFileSync("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id], { encoding: "utf8" }).trim();
}

const R15 = "Error R15 (Memory quota vastly exceeded)";

const workerMemory = () => {
  const id = execFileSync("docker", ["ps", "-q", "--filter", `label=ouro.app=${fixture.name}`, "--filter", "label=ouro.dyno=worker.1"], { encoding: "utf8" }).trim();
  return id ? Number(execFileSync("docker", ["inspect", "-f", "{{.HostConfig.Memory}}", id], { encoding: "utf8" })) : undefined;
};
const logs = () => ouro(["logs", "-a", fixture.name, "-n", "1500", "-d", "worker.1"]).stdout;

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

  it("ps:scale worker=1:standard-2X shows in ouro ps and gives the dyno 1 GB", async () => {
    const scale = ouro(["ps:scale", "worker=1:standard-2X", "-a", fixture.name]);
    expect(scale.code, scale.stderr).toBe(0);
    await eventually("a 1 GB worker.1", async () => (workerMemory() === 1024 * 2 ** 20 ? true : undefined), 60_000);
    await eventually("worker.1 up in ouro ps", async () => {
      const ps = ouro(["ps", "-a", fixture.name]).stdout;
      return /=== worker \(Standard-2X\): node worker\.js \(1\)\nworker\.1: up/.test(ps) ? ps : undefined;
    }, 30_000);
  }, 120_000);

  it("a dyno that holds more than its size is killed with R15 in the logs, and a new one replaces it", async () => {
    expect(ouro(["ps:scale", "worker=1:standard-2X", "-a", fixture.name]).code).toBe(0);
    expect(ouro(["config:set", "WORKER_ALLOCATE_MB=1300", "-a", fixture.name]).code).toBe(0);
    const seen = await eventually("R15, then a replacement that starts again", async () => {
      const text = logs();
      const killed = text.indexOf(R15);
      // The replacement dyno says it allocates again, after the kill.
      return killed >= 0 && text.indexOf("allocating 1300 MB", killed) > killed ? text : undefined;
    }, 120_000);
    expect(seen).toMatch(/ouro\[worker\.1\]: Error R15 \(Memory quota vastly exceeded\)\n.*ouro\[worker\.1\]: Stopping process with SIGKILL/);
    expect(seen).not.toContain("holds 1300 MB");
    expect(ouro(["config:unset", "WORKER_ALLOCATE_MB", "-a", fixture.name]).code).toBe(0);
  }, 180_000);
});
