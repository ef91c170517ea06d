// Needs redis-server on PATH (bootstrap installs it); starts its own on a free port, with the
// cron app's ACL user, and an in-process stand-in for the two API calls the cron service makes.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCronApi, createCronService, reconcileSchedulers, schedulerId } from "../../apps/cron/index.ts";
import type { CronSchedule, CronService } from "../../apps/cron/index.ts";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  app: string;
  command: string;
  at: number;
}

function startApi(state: { schedules: CronSchedule[]; started: Started[]; keys: Set<string | undefined> }): Promise<Server> {
  let n = 0;
  const server = createServer(async (req, res) => {
    state.keys.add(req.headers.authorization);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method === "GET" && req.url === "/cron-schedules") return json(200, state.schedules);
    const match = /^\/apps\/([^/]+)\/dynos$/.exec(req.url ?? "");
    if (req.method === "POST" && match) {
      let text = "";
      for await (const chunk of req) text += String(chunk);
      const body = JSON.parse(text) as { command: string; type: string };
      if (match[1] === "gone") return json(404, { id: "not_found", message: "Couldn't find that app: gone." });
      if (body.type !== "scheduler") return json(422, { id: "invalid_params", message: "type" });
      state.started.push({ app: match[1]!, command: body.command, at: Date.now() });
      return json(201, { id: `run-${++n}`, name: `scheduler.${n}`, state: "starting" });
    }
    json(404, { id: "not_found", message: "no route" });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(!hasRedis)("cron service (real Redis with the cron ACL user, in-process API)", () => {
  const queueName = `cron-test-${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const state = { schedules: [] as CronSchedule[], started: [] as Started[], keys: new Set<string | undefined>() };
  const logs: string[] = [];
  let redis: ChildProcess;
  let server: Server;
  let connection: { url: string; maxRetriesPerRequest: null };
  let admin: Queue;
  const services: CronService[] = [];

  const startService = () => {
    const service = createCronService({
      connection,
      queue: queueName,
      api: createCronApi({ apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: "system-key" }),
      log: (line) => logs.push(line),
      intervalMs: 500,
    });
    services.push(service);
    return service;
  };
  // Ticks that started a dyno, by app, from the logs of every cron service.
  const ticksOf = (app: string) =>
    logs.filter((l) => l.startsWith(`cron: app=${app} tick=`) && l.includes(" started ")).map((l) => Date.parse(/tick=(\S+)/.exec(l)![1]!));

  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    // The ACL line bootstrap gives the cron app, with this test's queue name.
    const acl = ["cron", "on", `>${password}`, `~bull:${queueName}:*`, "&*", "+@all", "-@admin", "-@dangerous", "+info"];
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--user", ...acl], { stdio: "pipe" });
    await new Promise<void>((resolve, reject) => {
      redis.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept") && resolve());
      redis.on("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
    });
    connection = { url: `redis://cron:${password}@127.0.0.1:${port}`, maxRetriesPerRequest: null };
    server = await startApi(state);
    admin = new Queue(queueName, { connection: { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: null } });
  });

  afterAll(async () => {
    for (const service of services) await service.close();
    await admin?.obliterate({ force: true });
    await admin?.close();
    server?.close();
    redis?.kill();
  });

  it("reconciles schedulers: adds, leaves unchanged ones alone, removes", async () => {
    const queue = new Queue(queueName, { connection });
    try {
      const a = { app: "alpha", command: "echo a", schedule: "*/5 * * * *" };
      const b = { app: "beta", command: "echo b", schedule: "0 * * * *" };
      const log = (line: string) => logs.push(line);
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

  it("runs each tick once with two cron services on the queue, and a missed stretch once", async () => {
    state.schedules = [{ app: "tick", command: "echo tick", schedule: "* * * * * *" }]; // every second
    const first = [startService(), startService()];
    await Promise.all(first.map((s) => s.reconcile()));
    await sleep(4_500);
    await Promise.all(first.map((s) => s.close()));
    const stoppedAt = Date.now();

    const ticks = ticksOf("tick");
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick twice
    expect(state.started.filter((s) => s.app === "tick")).toHaveLength(ticks.length); // one dyno per tick
    expect(state.keys).toEqual(new Set(["Bearer system-key"]));

    await sleep(3_500); // ~3 ticks come due while no cron service runs
    const restartedAt = Date.now();
    const again = startService();
    await sleep(2_500);
    await again.close();
    const after = ticksOf("tick").filter((t) => t > stoppedAt);
    expect(after.filter((t) => t < restartedAt - 1000)).toHaveLength(1); // the missed stretch: one run
    expect(after.filter((t) => t >= restartedAt - 1000).length).toBeGreaterThanOrEqual(1); // then on schedule again
    expect(new Set(after).size).toBe(after.length);
    expect(state.started.filter((s) => s.app === "tick")).toHaveLength(ticksOf("tick").length);
  }, 30_000);

  it("logs a dyno that cannot start, and does not try that tick again", async () => {
    state.schedules = [{ app: "gone", command: "echo nope", schedule: "* * * * * *" }];
    const service = startService();
    await service.reconcile();
    await sleep(2_500);
    await service.close();
    const failures = logs.filter((l) => l.startsWith("cron: app=gone tick=") && l.includes("could not start a dyno"));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toMatch(/answered 404: Couldn't find that app: gone\.$/);
    const ticks = failures.map((l) => /tick=(\S+)/.exec(l)![1]);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(await admin.getJobSchedulersCount()).toBe(1); // a failed tick keeps the schedule
  }, 15_000);

  it("keeps the schedules when the API cannot answer", async () => {
    const queue = new Queue(queueName, { connection });
    const before = (await queue.getJobSchedulers()).map((s) => s.key);
    const service = createCronService({
      connection,
      queue: queueName,
      api: createCronApi({ apiUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: "k" }),
      log: (line) => logs.push(line),
    });
    await service.reconcile();
    await service.close();
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(before);
    expect(logs).toContain("cron: reconcile failed, keeping the current schedules: GET /cron-schedules: ECONNREFUSED");
    await queue.close();
  });
});
