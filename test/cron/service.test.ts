// The cron service against its own redis-server (on a free port, with the cron app's ACL user)
// and the real API in-process on a throwaway database: a tick starts a one-off `scheduler` dyno
// through POST /apps/:app/dynos, which records a run. The API lists only 5-field (per-minute)
// schedules, so the tick tests hand the service per-second schedules themselves (`every second`);
// one test reconciles what GET /cron-schedules really lists.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCronApi, createCronService, reconcileSchedulers, schedulerId } from "../../apps/cron/index.ts";
import type { CronApi, CronSchedule, CronService } from "../../apps/cron/index.ts";
import { type AppRow, createApiKey, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { requireCommand } from "../support/requirements.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The ticks a cron service's log says started a dyno for `app`, with the dyno's name. */
function ticksIn(logs: readonly string[], app: string): { tick: number; dyno: string }[] {
  return logs
    .map((line) => new RegExp(`^cron: app=${app} tick=(\\S+) .* started (\\S+)`).exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ tick: Date.parse(match[1]!), dyno: match[2]! }));
}

const unique = <T>(values: T[]) => new Set(values).size === values.length;
/** The tick app's app.json entry: the cron key starts only scheduled commands (the tests tick it every second). */
const TICK_ENTRY = { command: "echo tick", schedule: "* * * * *" };

describe("cron service (real Redis with the cron ACL user, the real API in-process)", () => {
  const queueName = `cron-test-${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  let redis: ChildProcess;
  let api: InProcessApi;
  let cronApi: CronApi;
  let connection: { url: string; maxRetriesPerRequest: null };
  let admin: Queue;
  let tick: AppRow; // deployed, so POST /apps/:app/dynos can start a dyno of it
  const services: CronService[] = [];

  /** A cron service with its own log; `schedules` stands in for GET /cron-schedules when given. */
  const startService = (options: { schedules?: CronSchedule[]; api?: CronApi } = {}) => {
    const logs: string[] = [];
    const base = options.api ?? cronApi;
    const service = createCronService({
      connection,
      queue: queueName,
      api: options.schedules ? { ...base, schedules: async () => options.schedules! } : base,
      log: (line) => logs.push(line),
      intervalMs: 500,
    });
    services.push(service);
    return { service, logs };
  };

  /** The app's one-off dynos, as the API recorded them. */
  const runsOf = async (app: AppRow) =>
    (await api.db.query<{ name: string; type: string; command: string }>(
      "SELECT type || '.' || number AS name, type, command FROM runs WHERE app_id = $1 ORDER BY number",
      [app.id],
    )).rows;

  beforeAll(async () => {
    requireCommand("redis-server");
    const port = 20000 + Math.floor(Math.random() * 20000);
    // The ACL line bootstrap gives the cron app, with this test's queue name.
    const acl = ["cron", "on", `>${password}`, `~bull:${queueName}:*`, "&*", "+@all", "-@admin", "-@dangerous", "+info"];
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--user", ...acl], { stdio: "pipe" });
    await new Promise<void>((resolve, reject) => {
      redis.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept") && resolve());
      redis.on("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
    });
    connection = { url: `redis://cron:${password}@127.0.0.1:${port}`, maxRetriesPerRequest: null };
    const adminUrl = `redis://127.0.0.1:${port}`;
    admin = new Queue(queueName, { connection: { url: adminUrl, maxRetriesPerRequest: null } });
    // No dyno manager runs here, so every tick's dyno stays open: past the one-off quota, ticks would be refused.
    api = await inProcessApi({ prefix: "cron_service", redisUrl: adminUrl, buildQueue: `builds-${queueName}`, limits: { maxOneOffDynos: 1_000 } });
    // The service's own kind of key (scope cron): it may start only what an app's app.json schedules.
    const cronKey = await createApiKey(api.db, (await ensureUser(api.db, "cron-service-test@ouro.local")).id, { scope: ["cron"] });
    cronApi = createCronApi({ apiUrl: api.url, apiKey: cronKey });
    tick = await api.createApp("tick");
    await api.recordDeploy(tick, { "app.json": JSON.stringify({ cron: [TICK_ENTRY] }) });
  });

  afterAll(async () => {
    for (const service of services) await service.close();
    await admin?.obliterate({ force: true });
    await admin?.close();
    await api?.close();
    redis?.kill();
  });

  it("reconciles schedulers: adds, leaves unchanged ones alone, removes", async () => {
    const queue = new Queue(queueName, { connection });
    try {
      const a = { app: "alpha", command: "echo a", schedule: "*/5 * * * *" };
      const b = { app: "beta", command: "echo b", schedule: "0 * * * *" };
      const log = () => {};
      await reconcileSchedulers({ queue, desired: [], log });
      expect(await reconcileSchedulers({ queue, desired: [a, b], log })).toMatchObject({ upsert: [{ id: schedulerId(a) }, { id: schedulerId(b) }], remove: [] });
      const next = (await queue.getJobScheduler(schedulerId(a)))?.next;
      expect(await reconcileSchedulers({ queue, desired: [a, b], log })).toEqual({ upsert: [], remove: [] });
      expect((await queue.getJobScheduler(schedulerId(a)))?.next).toBe(next);
      expect(await reconcileSchedulers({ queue, desired: [b], log })).toEqual({ upsert: [], remove: [schedulerId(a)] });
      expect((await queue.getJobSchedulers()).map((s) => [s.key, s.pattern, s.tz, s.template?.data])).toEqual([[schedulerId(b), b.schedule, "UTC", b]]);
      expect((await queue.getDelayed()).map((j) => j.data)).toEqual([b]);
      await reconcileSchedulers({ queue, desired: [], log });
      expect(await queue.getJobSchedulersCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it("schedules what GET /cron-schedules lists: the valid entries of each app's current release", async () => {
    const app = await api.createApp("report");
    const entry = { command: "node report.js", schedule: "*/5 * * * *" };
    await api.recordDeploy(app, { "app.json": JSON.stringify({ cron: [entry, { command: "echo bad", schedule: "61 * * * *" }] }) });
    const { service } = startService();
    await service.reconcile();
    await service.close();
    const scheduled = (await admin.getJobSchedulers()).map((s) => [s.key, s.pattern]);
    const expected = [
      [schedulerId({ app: "report", ...entry }), entry.schedule],
      [schedulerId({ app: "tick", ...TICK_ENTRY }), TICK_ENTRY.schedule],
    ];
    expect(scheduled.sort()).toEqual(expected.sort());
  });

  it("runs each tick once with two cron services on the queue, and a missed stretch once", async () => {
    const schedules = [{ app: tick.name, command: "echo tick", schedule: "* * * * * *" }]; // every second
    const first = [startService({ schedules }), startService({ schedules })];
    await Promise.all(first.map(({ service }) => service.reconcile()));
    await sleep(4_500);
    await Promise.all(first.map(({ service }) => service.close()));

    const ranFirst = first.flatMap(({ logs }) => ticksIn(logs, tick.name));
    expect(ranFirst.length).toBeGreaterThanOrEqual(3);
    expect(unique(ranFirst.map((r) => r.tick))).toBe(true); // no tick twice
    // One dyno per tick, started through the API with the service's key.
    expect((await runsOf(tick)).map((r) => r.name).sort()).toEqual(ranFirst.map((r) => r.dyno).sort());

    await sleep(3_500); // ~3 ticks come due while no cron service runs
    const restartedAt = Date.now();
    const again = startService({ schedules });
    await sleep(2_500);
    await again.service.close();
    // Which service ran a tick is read from its own log, not from the clock: a tick that came due
    // while the first services were closing (or just before, not yet taken) is not lost, it is the
    // one run owed for the missed stretch, and its tick time is before they finished closing.
    const ranAgain = ticksIn(again.logs, tick.name);
    expect(ranAgain.filter((r) => r.tick < restartedAt)).toHaveLength(1); // the missed stretch: one run
    expect(ranAgain.filter((r) => r.tick >= restartedAt).length).toBeGreaterThanOrEqual(1); // then on schedule again
    const all = [...ranFirst, ...ranAgain];
    expect(unique(all.map((r) => r.tick))).toBe(true);
    const runs = await runsOf(tick);
    expect(runs.map((r) => r.name).sort()).toEqual(all.map((r) => r.dyno).sort());
    expect(new Set(runs.map((r) => `${r.type} ${r.command}`))).toEqual(new Set(["scheduler echo tick"]));
  }, 30_000);

  it("logs a dyno that cannot start, and does not try that tick again", async () => {
    const { service, logs } = startService({ schedules: [{ app: "gone", command: "echo nope", schedule: "* * * * * *" }] });
    await service.reconcile();
    await sleep(2_500);
    await service.close();
    const failures = logs.filter((l) => l.startsWith("cron: app=gone tick=") && l.includes("could not start a dyno"));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatch(/answered 404: Couldn't find that app: gone\.$/);
    const ticks = failures.map((l) => /tick=(\S+)/.exec(l)![1]);
    expect(unique(ticks)).toBe(true);
    expect((await admin.getJobSchedulers()).map((s) => s.key)).toEqual([schedulerId({ app: "gone", command: "echo nope", schedule: "* * * * * *" })]); // a failed tick keeps the schedule
  }, 15_000);

  it("keeps the schedules when the API cannot answer", async () => {
    const queue = new Queue(queueName, { connection });
    const kept = { app: "kept", command: "echo kept", schedule: "0 3 * * *" };
    await reconcileSchedulers({ queue, desired: [kept], log: () => {} });
    const { service, logs } = startService({ api: createCronApi({ apiUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: "k" }) });
    await service.reconcile();
    await service.close();
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual([schedulerId(kept)]);
    expect(logs).toContain("cron: reconcile failed, keeping the current schedules: GET /cron-schedules: ECONNREFUSED");
    await queue.close();
  });
});
