// The dyno manager's reconcile against the real Docker engine, a migrated throwaway
// database and the platform's Redis. Its containers carry a namespace of their own, so
// the platform's dyno manager (namespace "ouro") and this one never see each other's.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from "vitest";
import { packDirectory } from "../../apps/builder/slug.ts";
import { type BlobStore, createBlobStore } from "../../platform/blobs/index.ts";
import {
  type Db,
  type User,
  createApp,
  createRelease,
  createRun,
  createSlug,
  deleteApp,
  ensureUser,
  getRun,
  currentRelease,
  getApp,
  getRelease,
  listDynos,
  loadDesiredApps,
  listFormation,
  restartFormation,
  setStrategy,
  updateFormation,
} from "../../platform/db/index.ts";
import { createLogFollower } from "../../platform/dynos/dyno-logs.ts";
import { createEngine } from "../../platform/dynos/engine.ts";
import { desiredDynos } from "../../platform/dynos/desired.ts";
import { type DynoManagerOptions, createDynoManager } from "../../platform/dynos/manager.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { type LogLine, deleteLogs, readLogs } from "../../platform/logs/index.ts";
import { ROUTES_KEY } from "../../platform/lib/channels.ts";
import { parseRouteEntries } from "../../platform/router/index.ts";
import { throwawayDatabase } from "../support/database.ts";
import { eventually, removeDir, uniqueName } from "../support/platform.ts";
import { removeNamespace, testAppNetworks } from "../support/dynos.ts";
import { createDynoFs } from "../../platform/dynos/dyno-fs.ts";

const STACK_IMAGE = loadConfig().stackImage;
const namespace = `test-${randomBytes(4).toString("hex")}`;
const inNamespace = `ouro.namespace=${namespace}`;

// A web process that answers with its dyno name, in the one language the stack image has.
const SERVER = `use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalPort => $ENV{PORT}, Listen => 5, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { print $c "HTTP/1.0 200 OK\\r\\n\\r\\n$ENV{DYNO} $ENV{GREETING}\\n"; close $c }
`;
const WEB = "exec perl server.pl";
const WORKER = "exec sleep 600";

/** One container start or death in this namespace, as Docker's event stream reports it. */
interface EngineEvent {
  action: string;
  id: string;
  app: string;
  dyno: string;
  release: string;
  /** The engine's own timestamp, in ms. */
  at: number;
}

let database: { db: Db; drop: () => Promise<void> } | undefined;
let redis: Redis | undefined;
let docker: Docker;
let dir = "";
let blobs: BlobStore;
let slug: { checksum: string; size: number };
let user: User;
let eventStream: Readable | undefined;
const events: EngineEvent[] = [];
const apps: string[] = [];
let managerLog: string[] = [];

const db = () => database!.db;

beforeAll(async () => {
  docker = new Docker();
  await docker.ping().catch((error: Error) => {
    throw new Error(`this suite needs the Docker engine (npm run bootstrap): ${error.message}`);
  });
  await docker.getImage(STACK_IMAGE).inspect().catch(() => {
    throw new Error(`this suite needs the stack image ${STACK_IMAGE} (npm run bootstrap builds it)`);
  });
  database = await throwawayDatabase("ouro_dynos_test");
  redis = new Redis(redisUrl(loadConfig()));
  await redis.ping();

  dir = mkdtempSync(join(tmpdir(), "ouro-dynos-"));
  blobs = createBlobStore(join(dir, "blobs"));
  mkdirSync(join(dir, "app"));
  writeFileSync(join(dir, "app", "server.pl"), SERVER, { mode: 0o644 });
  const packed = await packDirectory({ dir: join(dir, "app"), out: join(dir, "slug.tgz") });
  slug = await blobs.put(createReadStream(join(dir, "slug.tgz")));
  expect(slug.checksum).toBe(packed.checksum);
  user = await ensureUser(db(), `dynos-${namespace}@example.com`);

  eventStream = (await docker.getEvents({
    filters: { type: ["container"], event: ["start", "die"], label: [inNamespace] },
  })) as unknown as Readable;
  createInterface({ input: eventStream }).on("line", (line) => {
    const event = JSON.parse(line) as { Action: string; id: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
    const labels = event.Actor.Attributes;
    events.push({
      action: event.Action,
      id: event.id,
      app: labels["ouro.app"] ?? "",
      dyno: labels["ouro.dyno"] ?? "",
      release: labels["ouro.release"] ?? "",
      at: event.timeNano / 1e6,
    });
  });
  eventStream.on("error", () => {});
});

afterAll(async () => {
  eventStream?.destroy();
  if (docker) await removeNamespace(docker, namespace);
  if (redis) {
    for (const app of apps) {
      await deleteLogs(redis, app);
      await redis.hdel(ROUTES_KEY, app);
    }
    redis.disconnect();
  }
  await database?.drop();
  if (dir) removeDir(dir);
});

beforeEach(() => {
  managerLog = [];
  onTestFailed(() => console.log(`dyno manager log:\n${managerLog.join("\n")}`));
});

let appNetworks: ReturnType<typeof testAppNetworks> | undefined;
const networks = () => (appNetworks ??= testAppNetworks({ docker, db, namespace }));

function manager(options: Partial<DynoManagerOptions> = {}) {
  return createDynoManager({
    docker,
    db: db(),
    redis: redis!,
    stackImage: STACK_IMAGE,
    slugPath: (checksum) => blobs.path(checksum),
    dynoFs: createDynoFs(join(dir, "dyno-fs")),
    namespace,
    appNetworks: networks(),
    bootTimeoutMs: 10_000,
    log: (line) => managerLog.push(line),
    ...options,
  });
}

/** An app at release v1 of the test slug with these process types, scaled as given. */
async function deployedApp(processTypes: Record<string, string>, formation: Record<string, number>) {
  const name = uniqueName("dynos");
  apps.push(name);
  const app = await createApp(db(), { name, ownerId: user.id });
  await release(app.id, processTypes);
  await updateFormation(db(), app.id, Object.entries(formation).map(([type, quantity]) => ({ type, quantity })));
  return { name, id: app.id };
}

/** A new release of the test slug with these process types (a new slug row, the same blob). */
async function release(appId: string, processTypes: Record<string, string>, opts: { status?: "deploying"; config?: Record<string, string> } = {}) {
  const row = await createSlug(db(), {
    app_id: appId,
    checksum: slug.checksum,
    size: slug.size,
    process_types: processTypes,
    commit: null,
    stack: "bookworm",
    buildpack_description: null,
  });
  return createRelease(db(), { appId, slugId: row.id, description: "Deploy", userId: user.id, status: opts.status, configChanges: opts.config });
}

async function containers(app: string, opts: { running?: boolean } = {}) {
  const all = await docker.listContainers({ all: true, filters: { label: [inNamespace, `ouro.app=${app}`] } });
  return all.filter((c) => !opts.running || c.State === "running");
}

const dynoNames = (list: Docker.ContainerInfo[]) => list.map((c) => c.Labels["ouro.dyno"]).sort();

const ipOf = (c: Docker.ContainerInfo) => Object.values(c.NetworkSettings.Networks)[0]!.IPAddress;

async function logLines(app: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  await readLogs(redis!, app, { lines: 1500, tail: false }, (line) => lines.push(line), new AbortController().signal);
  return lines;
}

/** The addresses the route table has for `app`, as the router reads them. */
const routesOf = async (app: string) => parseRouteEntries((await redis!.hget(ROUTES_KEY, app)) ?? "[]").map((e) => e.address);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reconciles `app` every 100 ms until stopped, as the engine's die events and the tick would. */
function reconcileOften(m: ReturnType<typeof manager>, app: string) {
  let on = true;
  const loop = (async () => {
    while (on) {
      await m.reconcileApp(app);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
    },
  };
}

const eventsOf = (app: string, action: string) => events.filter((e) => e.app === app && e.action === action);
const startsOf = (app: string) => eventsOf(app, "start").length;

/** The engine's time of the `n`th (from 1) `action` of `app`, once it has happened. */
const nth = (app: string, action: string, n: number) =>
  eventually(`${action} #${n} of ${app}`, async () => eventsOf(app, action)[n - 1]?.at, 10_000);

describe("dyno manager on the Docker engine", () => {
  it("scales up to N dynos with the platform's labels, recorded up and routed; scaling down stops the extra ones", async () => {
    const app = await deployedApp({ web: WEB, worker: WORKER }, { web: 2, worker: 3 });
    const m = manager();
    await m.reconcileApp(app.name);

    const running = await containers(app.name, { running: true });
    expect(dynoNames(running)).toEqual(["web.1", "web.2", "worker.1", "worker.2", "worker.3"]);
    for (const c of running) {
      const [type, index] = c.Labels["ouro.dyno"]!.split(".");
      expect(c.Labels).toMatchObject({
        "ouro.namespace": namespace,
        "ouro.app": app.name,
        "ouro.app.id": app.id,
        "ouro.release": "1",
        "ouro.type": type,
        "ouro.index": index,
        "ouro.command": type === "web" ? WEB : WORKER,
      });
    }
    const web = running.filter((c) => c.Labels["ouro.type"] === "web");
    for (const c of web) {
      const answer = await fetch(`http://${ipOf(c)}:5000/`).then((r) => r.text());
      expect(answer.trim()).toBe(c.Labels["ouro.dyno"]);
    }
    const rows = await listDynos(db(), app.id);
    expect(rows.map((r) => `${r.name} ${r.state}`).sort()).toEqual(["web.1 up", "web.2 up", "worker.1 up", "worker.2 up", "worker.3 up"]);
    const routes = await routesOf(app.name);
    expect(routes.sort()).toEqual(web.map((c) => `${ipOf(c)}:5000`).sort());
    // Each with its dyno's name, for the router's log lines.
    const entries = parseRouteEntries((await redis!.hget(ROUTES_KEY, app.name)) ?? "[]");
    expect(entries.map((e) => `${e.dyno} ${e.address}`).sort()).toEqual(web.map((c) => `${c.Labels["ouro.dyno"]} ${ipOf(c)}:5000`).sort());

    await updateFormation(db(), app.id, [{ type: "web", quantity: 1 }, { type: "worker", quantity: 1 }]);
    await m.reconcileApp(app.name);
    const after = await containers(app.name);
    expect(dynoNames(after)).toEqual(["web.1", "worker.1"]);
    expect(after.map((c) => c.Id).sort()).toEqual(
      running.filter((c) => ["web.1", "worker.1"].includes(c.Labels["ouro.dyno"]!)).map((c) => c.Id).sort(),
    );
    expect((await listDynos(db(), app.id)).map((r) => r.name).sort()).toEqual(["web.1", "worker.1"]);
    expect(await routesOf(app.name)).toHaveLength(1);
  });

  for (const strategy of ["preboot", "rolling"] as const) {
    it(`replaces every dyno with a new release's, by the app's strategy (${strategy})`, async () => {
      const app = await deployedApp({ web: WEB }, { web: 2 });
      await setStrategy(db(), app.id, { name: strategy, batch: 1 });
      const m = manager();
      await m.reconcileApp(app.name);
      const old = await containers(app.name, { running: true });
      expect(old).toHaveLength(2);
      const seen = events.length;

      await createRelease(db(), { appId: app.id, configChanges: { GREETING: "v2" }, description: "Set GREETING", userId: user.id });
      await m.reconcileApp(app.name);

      const now = await containers(app.name);
      expect(now.map((c) => `${c.Labels["ouro.dyno"]} v${c.Labels["ouro.release"]} ${c.State}`).sort()).toEqual([
        "web.1 v2 running",
        "web.2 v2 running",
      ]);
      for (const c of now) expect((await fetch(`http://${ipOf(c)}:5000/`).then((r) => r.text())).trim()).toBe(`${c.Labels["ouro.dyno"]} v2`);
      // The order the engine saw: preboot starts both new dynos before stopping an old
      // one; rolling (batch 1) swaps one slot at a time.
      const order = await eventually("the engine's events of the deploy", async () => {
        const mine = events.slice(seen).filter((e) => e.app === app.name);
        return mine.length >= 4 ? mine.map((e) => `${e.action} ${e.dyno} v${e.release}`) : undefined;
      }, 5_000);
      if (strategy === "preboot") {
        expect(order.slice(0, 2).sort()).toEqual(["start web.1 v2", "start web.2 v2"]);
        expect(order.slice(2).sort()).toEqual(["die web.1 v1", "die web.2 v1"]);
      } else {
        expect(order).toEqual(["start web.1 v2", "die web.1 v1", "start web.2 v2", "die web.2 v1"]);
      }
    });
  }

  it("restarts a process type as a new generation: new dynos up before the old stop, and the router never empty", async () => {
    const app = await deployedApp({ web: WEB }, { web: 2 });
    const m = manager();
    await m.reconcileApp(app.name);
    const old = await containers(app.name, { running: true });
    const seen = events.length;
    // Every route table the router was given during the restart had a dyno in it.
    const tables: string[][] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        tables.push(await routesOf(app.name));
        await sleep(20);
      }
    })();
    try {
      expect(await restartFormation(db(), app.id, ["web"])).toEqual(["web"]);
      await m.reconcileApp(app.name);
    } finally {
      watching = false;
      await watcher;
    }
    const now = await containers(app.name);
    expect(now.map((c) => `${c.Labels["ouro.dyno"]} g${c.Labels["ouro.generation"]} ${c.State}`).sort()).toEqual(["web.1 g1 running", "web.2 g1 running"]);
    expect(now.some((c) => old.some((o) => o.Id === c.Id))).toBe(false);
    const order = await eventually("the engine's events of the restart", async () => {
      const mine = events.slice(seen).filter((e) => e.app === app.name);
      return mine.length >= 4 ? mine.map((e) => e.action) : undefined;
    }, 5_000);
    expect(order).toEqual(["start", "start", "die", "die"]);
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((t) => t.length > 0)).toBe(true);
    // Nothing more to do: the next reconcile leaves them alone.
    await m.reconcileApp(app.name);
    expect((await containers(app.name, { running: true })).map((c) => c.Id).sort()).toEqual(now.map((c) => c.Id).sort());
  });

  it("restarts one dyno (ps:restart web.1): a new container for its slot, the other left alone", async () => {
    const app = await deployedApp({ web: WEB }, { web: 2 });
    const m = manager();
    await m.reconcileApp(app.name);
    const before = await containers(app.name, { running: true });
    await m.restartDyno(app.name, "web.1");
    const after = await containers(app.name, { running: true });
    const id = (list: typeof before, dyno: string) => list.find((c) => c.Labels["ouro.dyno"] === dyno)!.Id;
    expect(id(after, "web.1")).not.toBe(id(before, "web.1"));
    expect(id(after, "web.2")).toBe(id(before, "web.2"));
    expect(after).toHaveLength(2);
  });

  it("restarts a dyno killed from outside, and the logs say why, as Heroku's do", async () => {
    const app = await deployedApp({ web: WEB }, { web: 1 });
    const m = manager();
    await m.reconcileApp(app.name);
    const [first] = await containers(app.name, { running: true });
    const victim = docker.getContainer(first!.Id);
    await victim.kill();
    await victim.wait();

    await m.reconcileApp(app.name);
    const now = await containers(app.name);
    expect(now.map((c) => `${c.Labels["ouro.dyno"]} ${c.State}`)).toEqual(["web.1 running"]);
    expect(now[0]!.Id).not.toBe(first!.Id);
    const said = (await logLines(app.name)).filter((l) => l.source === "ouro" && l.dyno === "web.1").map((l) => l.line);
    expect(said).toEqual([
      `Starting process with command \`${WEB}\``,
      "State changed from starting to up",
      "Process exited with status 137",
      "State changed from up to crashed",
      `Starting process with command \`${WEB}\``,
      "State changed from starting to up",
    ]);
  });

  it("restarts a crashing dyno at once the first time, then holds it back; a new release starts at once", async () => {
    const app = await deployedApp({ worker: "echo crashing; exit 1" }, { worker: 1 });
    // The delay is long beside a container's start under load (up to a few seconds on a busy
    // host), so "at once" and "held back" are told apart by the backoff, not by Docker's speed.
    const m = manager({ backoff: { firstDelayMs: 6_000, maxDelayMs: 60_000 } });
    const ticker = reconcileOften(m, app.name);
    try {
      // Restarted at once after the first crash: within a few reconciles and a start, well before 6 s.
      const firstDeath = await nth(app.name, "die", 1);
      expect((await nth(app.name, "start", 2)) - firstDeath).toBeLessThan(5_000);
      // Held back 6 s after the second (the next delay, 12 s, is not the one taken).
      const secondDeath = await nth(app.name, "die", 2);
      await sleep(2_000);
      expect(startsOf(app.name)).toBe(2);
      expect((await listDynos(db(), app.id)).map((r) => `${r.name} ${r.state}`)).toEqual(["worker.1 crashed"]);
      const third = await nth(app.name, "start", 3);
      expect(third - secondDeath).toBeGreaterThanOrEqual(6_000);
      expect(third - secondDeath).toBeLessThan(10_500);
      // Then 12 s after the third.
      await nth(app.name, "die", 3);
      await sleep(2_000);
      expect(startsOf(app.name)).toBe(3);
    } finally {
      await ticker.stop();
    }
    // A restart (ps:restart: a new generation) starts the count again.
    await restartFormation(db(), app.id);
    await m.reconcileApp(app.name);
    await eventually("a start right after the restart", async () => (startsOf(app.name) === 4 ? true : undefined), 2_000);
    const output = await logLines(app.name);
    expect(output.some((l) => l.source === "app" && l.dyno === "worker.1" && l.line === "crashing")).toBe(true);

    // A fix does not wait out the broken release's delay.
    await release(app.id, { worker: WORKER });
    await m.reconcileApp(app.name);
    const now = await containers(app.name);
    expect(now.map((c) => `${c.Labels["ouro.dyno"]} v${c.Labels["ouro.release"]} ${c.State}`)).toEqual(["worker.1 v2 running"]);
  }, 60_000); // two backoff delays waited out, and starts on a host that may be busy

  it("stops a web dyno that never binds $PORT after the boot timeout, logs R10, and keeps the previous release", async () => {
    const app = await deployedApp({ web: WEB }, { web: 1 });
    const m = manager({ bootTimeoutMs: 1_500 });
    await m.reconcileApp(app.name);
    const [v1] = await containers(app.name, { running: true });
    expect(v1!.Labels["ouro.release"]).toBe("1");

    await release(app.id, { web: "exec sleep 600" });
    const started = Date.now();
    await m.reconcileApp(app.name);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);

    const now = await containers(app.name);
    expect(now.map((c) => `v${c.Labels["ouro.release"]} ${c.State}`).sort()).toEqual(["v1 running", "v2 exited"]);
    expect(now.find((c) => c.State === "running")!.Id).toBe(v1!.Id);
    expect((await fetch(`http://${ipOf(v1!)}:5000/`).then((r) => r.text())).trim()).toBe("web.1");
    expect(await routesOf(app.name)).toEqual([`${ipOf(v1!)}:5000`]);
    const r10 = (await logLines(app.name)).filter((l) => l.line.startsWith("Error R10 (Boot timeout)"));
    expect(r10.map((l) => `${l.source}[${l.dyno}]`)).toEqual(["ouro[web.1]"]);
    expect(r10[0]!.line).toContain("did not bind to $PORT");
  });

  it("makes a deploying release current once its web dynos are up, applying its config and process types", async () => {
    const app = await deployedApp({ web: WEB }, { web: 1 });
    const m = manager();
    await m.reconcileApp(app.name);
    const v2 = await release(app.id, { web: WEB, worker: WORKER }, { status: "deploying", config: { GREETING: "v2" } });
    // Nothing of v2 reaches the app before its dynos are up.
    expect((await getApp(db(), app.id)).config).toEqual({});
    expect((await listFormation(db(), app.id)).map((f) => f.type)).toEqual(["web"]);
    await m.reconcileApp(app.name);
    const settled = await getRelease(db(), app.id, v2.id);
    expect(settled).toMatchObject({ status: "succeeded", current: true });
    expect((await getApp(db(), app.id)).config).toEqual({ GREETING: "v2" });
    expect((await listFormation(db(), app.id)).map((f) => `${f.type}=${f.quantity}`)).toEqual(["web=1", "worker=0"]);
    expect((await containers(app.name, { running: true })).map((c) => `${c.Labels["ouro.dyno"]} v${c.Labels["ouro.release"]}`)).toEqual(["web.1 v2"]);
  });

  it("fails a deploying release whose web dyno never binds $PORT: R10, the previous release current and serving, no retry", async () => {
    const app = await deployedApp({ web: WEB }, { web: 1 });
    const m = manager({ bootTimeoutMs: 1_500 });
    await m.reconcileApp(app.name);
    const [v1] = await containers(app.name, { running: true });
    const v2 = await release(app.id, { web: "exec sleep 600", clock: WORKER }, { status: "deploying", config: { BROKEN: "yes" } });
    await m.reconcileApp(app.name);

    const failed = await getRelease(db(), app.id, v2.id);
    expect(failed.status).toBe("failed");
    expect(failed.failure_message).toMatch(/^web\.1 did not bind to \$PORT \(5000\) within 1\.5 s, stopping it \(R10\); v2 failed and the previous release keeps serving$/);
    expect((await currentRelease(db(), app.id))!.version).toBe(1);
    // Its config and process types never reached the app.
    expect((await getApp(db(), app.id)).config).toEqual({});
    expect((await listFormation(db(), app.id)).map((f) => f.type)).toEqual(["web"]);
    expect((await containers(app.name, { running: true })).map((c) => c.Id)).toEqual([v1!.Id]);
    expect((await logLines(app.name)).some((l) => l.dyno === "release" && l.line.startsWith("Release v2 failed: web.1 did not bind"))).toBe(true);
    // No retry loop: later reconciles start nothing of v2.
    const starts = startsOf(app.name);
    await m.reconcileApp(app.name);
    await m.reconcileApp(app.name);
    await sleep(500);
    expect(startsOf(app.name)).toBe(starts);
    expect((await containers(app.name, { running: true })).map((c) => c.Id)).toEqual([v1!.Id]);
  });

  /** What a manager killed mid-deploy leaves: the new release's dyno started, the old one still running. */
  async function startedByADeadManager(app: { name: string; id: string }, type: string) {
    const [model] = await loadDesiredApps(db(), app.name);
    const dyno = desiredDynos(model!).find((d) => d.type === type)!;
    return manager().engine.start(dyno);
  }

  it("a restarted manager adopts what it finds: the healthy dynos stay, and the old web dyno serves until the booting new one is up", async () => {
    const app = await deployedApp({ web: WEB, worker: WORKER }, { web: 1, worker: 1 });
    await manager().reconcileApp(app.name);
    const before = await containers(app.name, { running: true });
    const worker = before.find((c) => c.Labels["ouro.type"] === "worker")!;
    const v1 = before.find((c) => c.Labels["ouro.type"] === "web")!;
    await release(app.id, { web: `sleep 3; ${WEB}`, worker: WORKER }, { status: "deploying" });
    const booting = await startedByADeadManager(app, "web");

    const m = manager();
    await m.reconcileApp(app.name);
    // No third dyno for the slot, the old one still serving, nothing else touched.
    const meanwhile = await containers(app.name, { running: true });
    expect(meanwhile.map((c) => c.Id).sort()).toEqual([booting, v1.Id, worker.Id].sort());
    expect(await routesOf(app.name)).toEqual([`${ipOf(v1)}:5000`]);

    await eventually("the new web dyno up and the old one stopped", async () => {
      await m.reconcileApp(app.name);
      const web = (await containers(app.name)).filter((c) => c.Labels["ouro.type"] === "web");
      return web.length === 1 && web[0]!.Id === booting ? true : undefined;
    }, 15_000);
    expect((await currentRelease(db(), app.id))!.version).toBe(2);
    // The worker of v1 is replaced by v2's once v2 is current; never because the manager changed.
    const starts = eventsOf(app.name, "start").filter((e) => e.dyno === "worker.1").map((e) => e.release);
    expect(starts).toEqual(["1", "2"]);
  });

  it("a restarted manager gives a booting web dyno what is left of its boot timeout, then R10 fails its release", async () => {
    const app = await deployedApp({ web: WEB }, { web: 1 });
    await manager().reconcileApp(app.name);
    const [v1] = await containers(app.name, { running: true });
    const v2 = await release(app.id, { web: "exec sleep 600" }, { status: "deploying" });
    const stuck = await startedByADeadManager(app, "web");

    const m = manager({ bootTimeoutMs: 3_000 });
    await m.reconcileApp(app.name);
    expect((await containers(app.name, { running: true })).map((c) => c.Id).sort()).toEqual([stuck, v1!.Id].sort());
    await sleep(3_000);
    await m.reconcileApp(app.name);

    expect(await getRelease(db(), app.id, v2.id)).toMatchObject({ status: "failed" });
    expect((await getRelease(db(), app.id, v2.id)).failure_message).toMatch(/^web\.1 did not bind to \$PORT \(5000\) within 3 s/);
    expect((await containers(app.name, { running: true })).map((c) => c.Id)).toEqual([v1!.Id]);
    expect((await logLines(app.name)).some((l) => l.line.startsWith("Error R10 (Boot timeout)"))).toBe(true);
    // Only the dead manager's start: the new one started nothing of v2.
    expect(eventsOf(app.name, "start").map((e) => e.release)).toEqual(["1", "2"]);
  });

  it("two managers never act on one app at once", async () => {
    const app = await deployedApp({ worker: WORKER }, { worker: 2 });
    const [a, b] = [manager(), manager()];
    await Promise.all([a.reconcileApp(app.name), b.reconcileApp(app.name)]);
    expect(dynoNames(await containers(app.name))).toEqual(["worker.1", "worker.2"]);
    expect(startsOf(app.name)).toBe(2);
    // The second skipped the app's formation (and its one-off dynos) while the first acted on it.
    expect(managerLog.filter((l) => l.startsWith(`formation:${app.name}: another dyno manager is acting on it`))).toHaveLength(1);
  });

  it("records each dyno's lifecycle steps, and stopping one unconfigures and uninstalls it: no volume is left", async () => {
    const app = await deployedApp({ web: WEB, worker: WORKER }, { web: 1, worker: 1 });
    const m = manager();
    await m.reconcileApp(app.name);
    const rows = await listDynos(db(), app.id);
    for (const row of rows) {
      expect(Object.keys(row.steps).sort(), row.name).toEqual(["configure", "install", "start"]);
      for (const step of Object.values(row.steps)) expect(step!.ms).toBeGreaterThanOrEqual(0);
      // Its file system is made ready (install: the slug unpacked once, a layer of its own), the
      // container made (configure), then it starts.
      expect(Date.parse(row.steps.install!.at)).toBeLessThanOrEqual(Date.parse(row.steps.configure!.at));
      expect(Date.parse(row.steps.configure!.at)).toBeLessThanOrEqual(Date.parse(row.steps.start!.at));
    }
    const worker = (await containers(app.name)).find((c) => c.Labels["ouro.type"] === "worker")!;
    const volumes = (await docker.getContainer(worker.Id).inspect()).Mounts.filter((v) => v.Type === "volume").map((v) => v.Name!);
    expect(volumes).toHaveLength(2); // /app and /tmp
    const layer = join(dir, "dyno-fs", "layers", worker.Labels["ouro.dyno-layer"]!);
    expect(existsSync(layer)).toBe(true);

    await updateFormation(db(), app.id, [{ type: "worker", quantity: 0 }]);
    await m.reconcileApp(app.name);
    // Each step in the manager's log as it ends, in the order they ran.
    const steps = managerLog.filter((l) => l.startsWith(`${app.name}: worker.1 `));
    expect(steps.map((l) => l.split(" ")[2])).toEqual(["install", "configure", "start", "stop", "unconfigure", "uninstall"]);
    for (const line of steps) expect(line).toMatch(/ \d+ ms$/);
    const left = await docker.listVolumes({ filters: { name: volumes } });
    expect((left.Volumes ?? []).map((v) => v.Name).filter((name) => volumes.includes(name))).toEqual([]);
    expect(existsSync(layer)).toBe(false);
  });

  it("deletes the dyno volumes no container uses (a removal a dying manager left half done)", async () => {
    const orphan = await docker.createVolume({ Labels: { "ouro.namespace": namespace, "ouro.dyno-fs": "1" } });
    // Not a dyno's file system, or another namespace's: not this sweep's to delete.
    const kept = [
      await docker.createVolume({ Labels: { "ouro.namespace": namespace } }),
      await docker.createVolume({ Labels: { "ouro.namespace": `${namespace}-other`, "ouro.dyno-fs": "1" } }),
    ];
    try {
      await manager().reconcileAll();
      const names = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
      expect(names).not.toContain(orphan.name);
      for (const volume of kept) expect(names).toContain(volume.name);
    } finally {
      for (const volume of kept) await docker.getVolume(volume.name).remove();
    }
  });

  it("runs a one-off dyno once and records its exit code", async () => {
    const app = await deployedApp({ worker: WORKER }, { worker: 0 });
    const run = await createRun(db(), { appId: app.id, type: "run", command: "echo one-off $DYNO; exit 3" });
    const m = manager();
    await m.reconcileApp(app.name);
    expect((await getRun(db(), run.id)).state).not.toBe("pending");

    const done = await eventually("the run to complete", async () => {
      await m.reconcileApp(app.name);
      const row = await getRun(db(), run.id);
      return row.state === "complete" ? row : undefined;
    }, 15_000);
    expect(done.exit_code).toBe(3);
    expect(startsOf(app.name)).toBe(1);
    expect(await containers(app.name)).toEqual([]);
    const lines = (await logLines(app.name)).filter((l) => l.dyno === "run.1").map((l) => `${l.source}: ${l.line}`);
    expect(lines).toEqual(["app: one-off run.1", "ouro: Process exited with status 3"]);
  });

  it("records a one-off dyno for ps with the reconcile that starts it, and drops it with the one that removes it", async () => {
    // The formation's own reconcile runs alongside and records first: the run's start must be
    // recorded after it, not left for the next tick.
    const app = await deployedApp({ web: WEB, worker: WORKER }, { web: 0, worker: 1 });
    const m = manager();
    await m.reconcileApp(app.name);
    const run = await createRun(db(), { appId: app.id, type: "run", command: "exec sleep 600" });
    await m.reconcileApp(app.name);
    expect((await listDynos(db(), app.id)).map((r) => r.name).sort()).toEqual(["run.1", "worker.1"]);

    await docker.getContainer((await containers(app.name, { running: true })).find((c) => c.Labels["ouro.run"] === run.id)!.Id).kill();
    await eventually("the finished run gone from ps", async () => {
      await m.reconcileApp(app.name);
      const names = (await listDynos(db(), app.id)).map((r) => r.name);
      return names.includes("run.1") ? undefined : names;
    }, 15_000);
    expect((await getRun(db(), run.id)).state).toBe("complete");
  });

  it("removes every container of a deleted app", async () => {
    const app = await deployedApp({ web: WEB, worker: WORKER }, { web: 1, worker: 1 });
    await createRun(db(), { appId: app.id, type: "run", command: "exec sleep 600" });
    const m = manager();
    await m.reconcileApp(app.name);
    expect(dynoNames(await containers(app.name, { running: true }))).toEqual(["run.1", "web.1", "worker.1"]);

    await deleteApp(db(), app.id);
    await m.reconcileApp(app.name);
    expect(await containers(app.name)).toEqual([]);
    expect(await redis!.hget(ROUTES_KEY, app.name)).toBeNull();
  });
});

describe("dyno output", () => {
  it("logs a Redis failure once and a vanished container, and never leaves a rejection unhandled", async () => {
    const lines: string[] = [];
    const engine = createEngine({ docker, stackImage: STACK_IMAGE, slugPath: (checksum) => blobs.path(checksum), slugLayers: async (_app, checksum) => [checksum], dynoFs: createDynoFs(join(dir, "dyno-fs")), namespace, appNetworks: networks() });
    const closed = new Redis(redisUrl(loadConfig()));
    await closed.ping();
    closed.disconnect();
    const follower = createLogFollower({ docker, redis: closed, engine, log: (line) => lines.push(line) });
    const app = uniqueName("dynos");
    const { id: appId } = await createApp(db(), { name: app, ownerId: user.id });
    const id = await engine.start({
      app,
      appId,
      release: 1,
      type: "worker",
      generation: 0,
      index: 1,
      command: "echo one; echo two; echo three",
      env: {},
      slugChecksum: slug.checksum,
      size: "standard-1X",
    });
    await docker.getContainer(id).wait();

    follower.follow(id, app, "worker.1", 0);
    follower.follow("0123456789abcdef-gone", app, "worker.2", 0);
    await eventually("both failures logged", async () => (lines.length >= 2 ? true : undefined), 5_000);
    await sleep(500);
    expect(lines.sort()).toEqual([
      expect.stringMatching(/^\S+ worker\.1: log lines lost, appending to Redis failed: /),
      expect.stringMatching(/^\S+ worker\.2: following the output of container 0123456789ab failed: .*no such container/is),
    ]);
  });
});
