// Router log lines: Heroku's format (pure), then through the in-process router into the app's
// real log stream (read back as `ouro logs --source router` reads it), and what a slow or absent
// Redis does to requests: nothing.
import http from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LogLine, readLogs } from "../../platform/logs/index.ts";
import { createRouterLog, formatRouterLine } from "../../platform/router/access-log.ts";
import { type Harness, rawExchange, seenBy, startRouter, waitFor, within } from "./harness.ts";

describe("router log lines (pure)", () => {
  const record = {
    app: "shop", method: "GET", path: "/a?b=\"c\"", host: "shop.localhost", requestId: "abcdefghij0123456789", fwd: "203.0.113.7, 127.0.0.1",
    dyno: "web.1", connectMs: 1, serviceMs: 12, status: 200, bytes: 512, protocol: "http" as const,
  };
  it("is Heroku's at=info line", () => {
    expect(formatRouterLine(record)).toBe(
      'at=info method=GET path="/a?b=\\"c\\"" host=shop.localhost request_id=abcdefghij0123456789 fwd="203.0.113.7, 127.0.0.1" dyno=web.1 connect=1ms service=12ms status=200 bytes=512 protocol=http',
    );
  });
  it("is an at=error line with the code and its description", () => {
    expect(formatRouterLine({ ...record, code: "H12", status: 503, serviceMs: 30000, bytes: 0 })).toBe(
      'at=error code=H12 desc="Request timeout" method=GET path="/a?b=\\"c\\"" host=shop.localhost request_id=abcdefghij0123456789 fwd="203.0.113.7, 127.0.0.1" dyno=web.1 connect=1ms service=30000ms status=503 bytes=0 protocol=http',
    );
  });
  it("keeps a path on one line whatever it holds", () => {
    expect(formatRouterLine({ ...record, path: "/a\nb" })).toContain('path="/a\\nb"');
  });
});

describe("router log lines in the app's stream (in-process router, real Redis)", () => {
  let r: Harness;
  let reader: Redis;
  const host = (app: string) => `${app}.localhost`;

  /** The app's router lines, as `ouro logs -a APP --source router` gets them. */
  async function routerLines(app: string): Promise<LogLine[]> {
    await r.log.flush();
    const lines: LogLine[] = [];
    await readLogs(reader, app, { lines: 1500, tail: false, source: "router" }, (l) => lines.push(l), new AbortController().signal);
    return lines;
  }

  beforeAll(async () => {
    r = await startRouter({ timeouts: { firstByteMs: 200, idleMs: 300 } });
    reader = r.redis.duplicate();
  });
  afterEach(() => r.closeDynos());
  afterAll(async () => {
    reader.disconnect();
    await r.close();
  });

  it("writes one line per request: status, dyno, timings, bytes and the request id the dyno saw and the client got", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const res = await r.request({ host: host(name), path: "/hello?x=1", headers: { "x-forwarded-for": "203.0.113.7" } });
    const lines = await routerLines(name);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ source: "router", dyno: "router" });
    const id = res.headers["x-request-id"] as string;
    expect(seenBy(res).headers["x-request-id"]).toBe(id);
    expect(line!.line).toMatch(
      new RegExp(`^at=info method=GET path="/hello\\?x=1" host=${name}\\.localhost request_id=${id} fwd="203\\.0\\.113\\.7, 127\\.0\\.0\\.1" dyno=web\\.1 connect=\\d+ms service=\\d+ms status=200 bytes=${Buffer.byteLength(res.body)} protocol=http$`),
    );
  });

  it("writes at=error lines with Heroku's codes: H14, H12, H10, H80, H27", async () => {
    const none = await r.app([]);
    await r.request({ host: host(none) });
    expect((await routerLines(none)).map((l) => l.line)).toEqual([expect.stringMatching(/^at=error code=H14 desc="No web processes running" method=GET .* dyno=none .* status=503 /)]);

    const hung = await r.dyno("web.1", () => {});
    const slow = await r.app([hung]);
    await r.request({ host: host(slow) });
    expect((await routerLines(slow)).map((l) => l.line)).toEqual([expect.stringMatching(/^at=error code=H12 desc="Request timeout" .* dyno=web\.1 connect=\d+ms service=\d+ms status=503 bytes=0 /)]);
    expect(Number(/service=(\d+)ms/.exec((await routerLines(slow))[0]!.line)![1])).toBeGreaterThanOrEqual(195);

    const crashed = await r.app([await r.refusing()]);
    await r.request({ host: host(crashed) });
    expect((await routerLines(crashed))[0]!.line).toMatch(/^at=error code=H10 desc="App crashed" .* status=503 /);

    const resting = await r.app([await r.dyno("web.1")]);
    await r.redis.sadd(r.keys.maintenance, resting);
    await r.table.load(r.redis);
    await r.request({ host: host(resting) });
    expect((await routerLines(resting))[0]!.line).toMatch(/^at=error code=H80 desc="Maintenance mode" .* status=503 /);

    let arrived!: () => void;
    const requested = new Promise<void>((resolve) => (arrived = resolve));
    const waits = await r.app([await r.dyno("web.1", () => arrived())]);
    const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(waits) }, agent: false });
    req.on("error", () => {});
    await within(requested, "the request to reach the dyno");
    req.destroy();
    const gone = await waitFor("the H27 line", async () => (await routerLines(waits))[0]);
    expect(gone.line).toMatch(/^at=error code=H27 desc="Client Request Interrupted" .* status=499 /);
  });

  it("writes H15 for a started answer that went idle, and H28 for a request body that stopped coming", async () => {
    const stalls = await r.app([await r.dyno("web.1", (_req, res) => res.writeHead(200).write("begun"))]);
    await new Promise<void>((resolve) => {
      http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(stalls) }, agent: false }, (res) => {
        res.resume();
        res.on("close", resolve);
        res.on("error", () => {});
      }).on("error", resolve);
    });
    const idle = await waitFor("the H15 line", async () => (await routerLines(stalls))[0]);
    expect(idle.line).toMatch(/^at=error code=H15 desc="Idle connection" .* dyno=web\.1 .* status=200 bytes=5 /);

    const waits = await r.app([await r.dyno("web.1")]);
    await rawExchange(r.port(), `POST / HTTP/1.1\r\nHost: ${host(waits)}\r\nContent-Length: 10\r\n\r\nab`, 3_000);
    const stopped = await waitFor("the H28 line", async () => (await routerLines(waits))[0]);
    expect(stopped.line).toMatch(/^at=error code=H28 desc="Client Connection Idle" method=POST .* status=499 /);
  });

  it("writes no line for a host that is no app", async () => {
    const before = await r.redis.keys("ouro:logs:nosuchapp*");
    await r.request({ host: "nosuchapp-router-log.localhost" });
    await r.log.flush();
    expect(await r.redis.keys("ouro:logs:nosuchapp*")).toEqual(before);
  });
});

describe("writing router lines costs the request path nothing, Redis or not", () => {
  it("a write is an array push: 20 000 take well under a second", async () => {
    const redis = new Redis({ port: await closedPort(), lazyConnect: true, enableOfflineQueue: false });
    redis.on("error", () => {});
    const log = createRouterLog({ redis, maxPending: 50_000 });
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) log.write("app", "at=info method=GET path=\"/\"");
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(200);
    await log.flush();
    expect(log.dropped).toBe(20_000);
    redis.disconnect();
  });

  it("with Redis unreachable, requests answer as before and lines are dropped within a bound", async () => {
    const redis = new Redis({ port: await closedPort(), enableOfflineQueue: false, retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    redis.on("error", () => {});
    const said: string[] = [];
    const log = createRouterLog({ redis, maxPending: 10, log: (line) => said.push(line) });
    for (let i = 0; i < 100; i++) log.write("app", "line");
    await log.flush();
    expect(log.dropped).toBe(100);
    expect(said).toEqual([expect.stringMatching(/^router: \d+ log lines dropped \(/)]);
    redis.disconnect();
  });

  it("a router whose log Redis is away still answers promptly", async () => {
    const r = await startRouter();
    const dead = new Redis({ port: await closedPort(), retryStrategy: () => 50 });
    dead.on("error", () => {});
    try {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      // The same router, its lines going to a Redis that is not there (offline queue on: the worst case).
      const { createProxy } = await import("../../platform/router/proxy.ts");
      const { listening, portOf } = await import("./harness.ts");
      const log = createRouterLog({ redis: dead, maxPending: 50 });
      const proxy = await listening(createProxy({ table: r.table, port: 8080, log }));
      try {
        const started = Date.now();
        for (let i = 0; i < 200; i++) {
          const status = await new Promise<number>((resolve, reject) =>
            http.get({ host: "127.0.0.1", port: portOf(proxy), headers: { host: host(name) }, agent: false }, (res) => {
              res.resume();
              res.on("end", () => resolve(res.statusCode ?? 0));
            }).on("error", reject),
          );
          expect(status).toBe(200);
        }
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(log.dropped).toBeGreaterThan(0);
      } finally {
        proxy.closeAllConnections();
        proxy.close();
      }
    } finally {
      dead.disconnect();
      await r.close();
    }
  });
});

const host = (app: string) => `${app}.localhost`;

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
