// R15 against the real Docker engine: a container past its memory limit is killed by the
// kernel's OOM killer and the event watcher says so, once, and for no other death; with the
// real dyno manager, a dyno that allocates past its size gets Heroku's R15 lines in its app's
// log and is replaced, and a one-off dyno of a larger size holds what a standard-1X cannot.
import { randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { packDirectory } from "../../apps/builder/slug.ts";
import { type BlobStore, createBlobStore } from "../../platform/blobs/index.ts";
import { type Db, createApp, createRelease, createRun, createSlug, ensureUser, getRun, updateFormation } from "../../platform/db/index.ts";
import { type EngineEvent, logMemoryKill, watchDyingDynos } from "../../platform/dynos/engine-events.ts";
import { createDynoManager } from "../../platform/dynos/manager.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { type LogLine, deleteLogs, readLogs } from "../../platform/logs/index.ts";
import { throwawayDatabase } from "../support/database.ts";
import { eventually, removeDir, uniqueName } from "../support/platform.ts";
import { removeNamespace, testAppNetworks } from "../support/dynos.ts";
import { createDynoFs } from "../../platform/dynos/dyno-fs.ts";

const STACK_IMAGE = loadConfig().stackImage;
const namespace = `test-r15-${randomBytes(4).toString("hex")}`;
/**
 * Allocates and fills MB megabytes at once, then waits: perl is what the stack image has. The
 * size comes from a variable, or perl would fold the string at compile time and hold it twice.
 */
const allocate = (mb: number) => `perl -e 'my $n = ${mb} * 1048576; my $x = "x" x $n; print "holding ${mb} MB\\n"; sleep 600'`;

let docker: Docker;
let redis: Redis;
let database: { db: Db; drop: () => Promise<void> } | undefined;
let dir = "";
const watching = new AbortController();
const deaths: string[] = [];
const oomKilled: EngineEvent[] = [];
const apps: string[] = [];
let managerLog: string[] = [];

async function logLines(app: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  await readLogs(redis, app, { lines: 1500, tail: false }, (line) => lines.push(line), new AbortController().signal);
  return lines;
}

beforeAll(async () => {
  docker = new Docker();
  await docker.ping().catch((error: Error) => {
    throw new Error(`this suite needs the Docker engine (npm run bootstrap): ${error.message}`);
  });
  redis = new Redis(redisUrl(loadConfig()));
  await watchDyingDynos({
    docker,
    namespace,
    log: () => {},
    signal: watching.signal,
    onDeath: (app) => void deaths.push(app),
    onOomKilled: async (dead) => {
      oomKilled.push(dead);
      await logMemoryKill(redis, dead);
    },
  });
});

afterAll(async () => {
  watching.abort();
  if (docker) await removeNamespace(docker, namespace);
  for (const app of apps) await deleteLogs(redis, app);
  redis?.disconnect();
  await database?.drop();
  if (dir) removeDir(dir);
});

describe("the event watcher", () => {
  /** A bare container labelled as a dyno of `app`, with a memory limit of its own. */
  async function container(app: string, dyno: string, cmd: string, memoryMb: number) {
    const c = await docker.createContainer({
      Image: STACK_IMAGE,
      Cmd: ["bash", "-c", cmd],
      Labels: { "ouro.namespace": namespace, "ouro.app": app, "ouro.dyno": dyno },
      HostConfig: { Memory: memoryMb * 1024 * 1024, MemorySwap: memoryMb * 1024 * 1024, Init: true },
    });
    await c.start();
    return c;
  }

  it("reports a container the kernel killed at its memory limit, once, and not one that exited", async () => {
    const app = uniqueName("r15-raw");
    apps.push(app);
    const hog = await container(app, "web.1", allocate(256), 64);
    const quitter = await container(app, "worker.1", "exit 3", 64);
    await eventually("both deaths", async () => (deaths.filter((a) => a === app).length >= 2 ? true : undefined), 30_000);
    expect((await hog.inspect()).State).toMatchObject({ OOMKilled: true, ExitCode: 137 });
    expect((await quitter.inspect()).State).toMatchObject({ OOMKilled: false, ExitCode: 3 });
    expect(oomKilled.filter((d) => d.app === app)).toEqual([{ action: "die", containerId: hog.id, app, dyno: "web.1" }]);
    const lines = (await logLines(app)).map((l) => `${l.source}[${l.dyno}]: ${l.line}`);
    expect(lines).toEqual(["ouro[web.1]: Error R15 (Memory quota vastly exceeded)", "ouro[web.1]: Stopping process with SIGKILL"]);
  });
});

describe("with the dyno manager", () => {
  let blobs: BlobStore;
  let slug: { checksum: string; size: number };

  beforeAll(async () => {
    database = await throwawayDatabase("ouro_r15_test");
    dir = mkdtempSync(join(tmpdir(), "ouro-r15-"));
    blobs = createBlobStore(join(dir, "blobs"));
    mkdirSync(join(dir, "app"));
    writeFileSync(join(dir, "app", "Procfile"), "worker: true\n");
    await packDirectory({ dir: join(dir, "app"), out: join(dir, "slug.tgz") });
    slug = await blobs.put(createReadStream(join(dir, "slug.tgz")));
  });

  beforeEach(() => {
    managerLog = [];
    onTestFailed(() => console.log(`dyno manager log:\n${managerLog.join("\n")}`));
  });

  async function deployed(processTypes: Record<string, string>) {
    const db = database!.db;
    const name = uniqueName("r15");
    apps.push(name);
    const user = await ensureUser(db, `r15-${namespace}@example.com`);
    const app = await createApp(db, { name, ownerId: user.id });
    const row = await createSlug(db, {
      app_id: app.id, checksum: slug.checksum, size: slug.size, process_types: processTypes,
      commit: null, stack: "bookworm", buildpack_description: null,
    });
    await createRelease(db, { appId: app.id, slugId: row.id, description: "Deploy", userId: user.id });
    return app;
  }

  const manager = () =>
    createDynoManager({
      docker,
      db: database!.db,
      redis,
      stackImage: STACK_IMAGE,
      slugPath: (checksum) => blobs.path(checksum),
      dynoFs: createDynoFs(join(dir, "dyno-fs")),
      namespace,
      appNetworks: testAppNetworks({ docker, db: () => database!.db, namespace }),
      log: (line) => void managerLog.push(line),
    });

  const workers = async (app: string) =>
    (await docker.listContainers({ all: true, filters: { label: [`ouro.namespace=${namespace}`, `ouro.app=${app}`, "ouro.type=worker"] } }));

  it("logs R15 for a standard-1X dyno that allocates 700 MB, and starts a replacement at once", async () => {
    const app = await deployed({ worker: allocate(700) });
    await updateFormation(database!.db, app.id, [{ type: "worker", quantity: 1 }]);
    const m = manager();
    await m.reconcileApp(app.name);
    const [first] = await workers(app.name);
    expect(first).toBeDefined();
    await eventually("the R15 line", async () => ((await logLines(app.name)).some((l) => l.line.startsWith("Error R15")) ? true : undefined), 60_000);
    // A first crash is replaced at once: by the reconcile each death starts (and the steady tick).
    const replacement = await eventually("a replacement worker.1", async () => {
      await m.reconcileApp(app.name);
      const now = await workers(app.name);
      return now.find((c) => c.Id !== first!.Id && c.Labels["ouro.dyno"] === "worker.1");
    }, 10_000);
    expect(replacement).toBeDefined();
    // The replacement allocates as much and dies the same way: stop it, then count. Each death
    // the kernel caused gets the two lines once; a stop by the platform gets none.
    await updateFormation(database!.db, app.id, [{ type: "worker", quantity: 0 }]);
    await m.reconcileApp(app.name);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const deathsByOom = oomKilled.filter((d) => d.app === app.name);
    expect(deathsByOom.length).toBeGreaterThanOrEqual(1);
    expect(deathsByOom.map((d) => d.containerId)).toContain(first!.Id);
    const said = (await logLines(app.name)).filter((l) => l.source === "ouro").map((l) => `${l.dyno}: ${l.line}`);
    expect(said.filter((l) => l === "worker.1: Error R15 (Memory quota vastly exceeded)")).toHaveLength(deathsByOom.length);
    expect(said.filter((l) => l === "worker.1: Stopping process with SIGKILL")).toHaveLength(deathsByOom.length);
  }, 120_000);

  it("kills a standard-1X one-off dyno past 512 MB with R15; a standard-2X one holds the same 700 MB", async () => {
    const app = await deployed({});
    const m = manager();
    const small = await createRun(database!.db, { appId: app.id, type: "run", command: `${allocate(700).replace("sleep 600", "exit 0")}` });
    const large = await createRun(database!.db, { appId: app.id, type: "run", command: `${allocate(700).replace("sleep 600", "exit 0")}`, size: "standard-2X" });
    const finished = async (id: string) => {
      await m.reconcileApp(app.name);
      const run = await getRun(database!.db, id);
      return run.state === "complete" ? run : undefined;
    };
    expect((await eventually("the standard-1X run to end", () => finished(small.id), 60_000)).exit_code).toBe(137);
    expect((await eventually("the standard-2X run to end", () => finished(large.id), 60_000)).exit_code).toBe(0);
    const lines = await logLines(app.name);
    const said = (dyno: string) => lines.filter((l) => l.dyno === dyno && l.source === "ouro").map((l) => l.line);
    expect(said(`run.${small.number}`)).toEqual(expect.arrayContaining(["Error R15 (Memory quota vastly exceeded)", "Stopping process with SIGKILL"]));
    expect(said(`run.${large.number}`).some((line) => line.startsWith("Error R15"))).toBe(false);
    expect(lines.some((l) => l.dyno === `run.${large.number}` && l.line === "holding 700 MB")).toBe(true);
  }, 150_000);
});
