// The kernel survives what used to end it, on the running platform: an app deleted while
// its release phase runs leaves the API answering; the API killed with SIGKILL is started
// again by the runner; what it left pending (a build, a release phase) is settled after;
// Redis and PostgreSQL going away and coming back end no kernel process.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeGateway, ensurePostgres, ensureRedis, postgresBinDir } from "../../platform/bootstrap/services.ts";
import { createBuild, createPool, type Db, getApp } from "../../platform/db/index.ts";
import { dataDirFrom, loadConfig, postgresUrl } from "../../platform/lib/config.ts";
import { api, apiPort, apiUrl, eventually, git, ouro, removeDir, uniqueName } from "../support/platform.ts";

const dataDir = dataDirFrom(process.env);
const apiPid = () => Number(readFileSync(join(dataDir, "run", "api.pid"), "utf8"));
const apiLog = () => readFileSync(join(dataDir, "logs", "api.log"), "utf8");
const kernelLog = () => readFileSync(join(dataDir, "logs", "kernel.log"), "utf8");
const answers = () => fetch(`${apiUrl}/healthz`).then((r) => r.ok, () => false);

interface Release {
  version: number;
  status: string;
  current: boolean;
}

// A release phase with SLOW set runs until the test lets it end (a file in the dyno's /tmp),
// 20 s at most, so a test decides what happens while it runs.
const MAY_END = "/tmp/release-phase-may-end";
const RELEASE = `if [ -n "$SLOW" ]; then echo slow release phase; for i in $(seq 200); do [ -e ${MAY_END} ] && break; sleep 0.1; done; fi`;

/** An app of a Procfile only: a worker that sleeps, and a release phase that runs until told once SLOW is set. */
function deployedApp(prefix: string): { readonly name: string } {
  const name = uniqueName(prefix);
  let dir = "";
  beforeAll(() => {
    expect(ouro(["apps:create", name]).code).toBe(0);
    dir = mkdtempSync(join(tmpdir(), `ouro-${name}-`));
    writeFileSync(join(dir, "Procfile"), `worker: sleep infinity\nrelease: ${RELEASE}\n`);
    git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "-m", "procfile app");
    const key = readFileSync(join(dataDir, "admin-api-key"), "utf8").trim();
    const push = git(dir, "push", `http://ouro:${key}@127.0.0.1:${apiPort}/${name}.git`, "main");
    expect(push.code, push.output).toBe(0);
  }, 180_000);
  afterAll(() => {
    ouro(["apps:destroy", "-a", name, "--confirm", name]);
    removeDir(dir);
  });
  return { name };
}

/** Waits until the app's release phase is running (its output reached the logs). */
const releasePhaseRunning = (app: string) =>
  eventually("the release phase to run", async () => (ouro(["logs", "-a", app, "-n", "200"]).stdout.includes("slow release phase") ? true : undefined), 60_000);

/** Lets the app's running release phase end, from inside its dyno. */
function endReleasePhase(app: string): void {
  const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=ouro.app=${app}`, "--filter", "label=ouro.type=release"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  expect(ids, "the release phase's dyno").toHaveLength(1);
  execFileSync("docker", ["exec", ids[0]!, "touch", MAY_END]);
}

async function killApi(): Promise<number> {
  const before = apiPid();
  process.kill(before, "SIGKILL");
  const after = await eventually("the runner to start the API again", async () => {
    const pid = apiPid();
    return pid !== before && (await answers()) ? pid : undefined;
  }, 60_000);
  expect(kernelLog()).toMatch(/runner: api exited \(signal SIGKILL\), restarting in \d+ ms/);
  return after;
}

describe("an app deleted while its release phase runs", () => {
  const app = deployedApp("gone");

  it("leaves the API answering, and the API log says why the release was not made", async () => {
    const pid = apiPid();
    expect(ouro(["config:set", "SLOW=1", "--no-wait", "-a", app.name]).code).toBe(0);
    await releasePhaseRunning(app.name);
    expect(ouro(["apps:destroy", "-a", app.name, "--confirm", app.name]).code).toBe(0);
    await eventually("the API to log the release phase's end", async () =>
      apiLog().includes(`${app.name}: ${app.name} was deleted while its release phase ran; v2 was not released.`) ? true : undefined,
    );
    for (let i = 0; i < 10; i++) {
      expect(await answers()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(apiPid()).toBe(pid);
  }, 120_000);
});

describe("the API killed with SIGKILL", () => {
  const app = deployedApp("killed");
  let db: Db;
  beforeAll(() => {
    db = createPool(postgresUrl(loadConfig()));
  });
  afterAll(async () => {
    await db?.end();
  });

  it("is started again by the runner; a build it left pending is failed after its deadline, with the reason", async () => {
    const row = await getApp(db, app.name);
    const build = await createBuild(db, {
      appId: row.id,
      userId: null,
      sourceChecksum: `SHA256:${"4".repeat(64)}`,
      sourceVersion: null,
      // Past by the time the runner starts the next API (at least 1 s on), never while this one
      // lives: the next API's start fails it, without waiting for its 30 s sweep.
      deadline: new Date(Date.now() + 500),
    });
    await killApi();
    const failed = await eventually("the build to be failed", async () => {
      const res = await api<{ status: string; failure_message?: string }>("GET", `/apps/${app.name}/builds/${build.id}`);
      return res.body.status === "failed" ? res.body : undefined;
    }, 60_000);
    expect(JSON.stringify(failed)).toMatch(/build timed out: it was still pending at its deadline/);
  }, 120_000);

  it("settles a release phase it was waiting on: the next API watches it to its end", async () => {
    expect(ouro(["config:set", "SLOW=1", "--no-wait", "-a", app.name]).code).toBe(0);
    await releasePhaseRunning(app.name);
    await killApi();
    endReleasePhase(app.name);
    const releases = await eventually("the release to be settled", async () => {
      const res = await api<Release[]>("GET", `/apps/${app.name}/releases`);
      const last = res.body.at(-1);
      return last && last.status !== "pending" ? res.body : undefined;
    }, 60_000);
    expect(releases.at(-1)).toMatchObject({ status: "succeeded", current: true });
  }, 120_000);
});

describe("a Redis and a PostgreSQL outage", () => {
  const config = loadConfig();
  const pids = () => Object.fromEntries(["api", "router", "dynos"].map((p) => [p, readFileSync(join(dataDir, "run", `${p}.pid`), "utf8").trim()]));
  const redisCli = ["-p", String(config.redisPort), "--user", "default", "--pass", config.secrets.redisPassword, "--no-auth-warning"];

  it("ends no kernel process: each logs, waits, and serves again when its datastore is back", async () => {
    const before = pids();
    const logFrom = kernelLog().length;
    const bridge = bridgeGateway();

    expect(spawnSync("redis-cli", [...redisCli, "SHUTDOWN"]).status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // past a dyno manager tick
    await ensureRedis(dataDir, config.redisPort, bridge, config.secrets);

    const pgCtl = join(postgresBinDir()!, "pg_ctl");
    const stop = spawnSync("runuser", ["-u", "postgres", "--", pgCtl, "-D", join(dataDir, "postgres"), "-m", "fast", "-w", "stop"], { encoding: "utf8" });
    expect(stop.status, stop.stderr).toBe(0);
    // Meanwhile the API answers 503 (not 500) for what needs the database.
    const answer = await api<{ id: string }>("GET", "/apps");
    expect([answer.status, answer.body.id]).toEqual([503, "service_unavailable"]);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await ensurePostgres(dataDir, config.postgresPort, config.secrets);

    await eventually("the API to list apps again", async () => ((await api("GET", "/apps")).status === 200 ? true : undefined), 60_000);
    expect(pids()).toEqual(before);
    // Each process heard the outages and said so (which call failed first depends on timing).
    const during = kernelLog().slice(logFrom);
    for (const process of ["api", "router", "dynos"]) expect(during).toMatch(new RegExp(`${process}: .*ECONNREFUSED 127\\.0\\.0\\.1:${config.redisPort}`));
    expect(during).toMatch(new RegExp(`(api|dynos): .*ECONNREFUSED 127\\.0\\.0\\.1:${config.postgresPort}`));
    // The dyno manager records the live model again.
    await eventually("the builder's worker dyno up", async () => {
      const dynos = (await api<{ type: string; state: string }[]>("GET", "/apps/builder/dynos")).body;
      return dynos.some((d) => d.type === "worker" && d.state === "up") ? true : undefined;
    }, 60_000);
  }, 180_000);
});
