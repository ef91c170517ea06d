// Log drains on the platform's real Redis, to receivers on 127.0.0.1 that this test runs: a syslog
// one over TCP (octet-counted RFC 5424) and an HTTP one (logplex's POST batches). Every line of a
// burst arrives, in order; lines wait while a receiver is away, and past the buffer the oldest go
// with the receiver told how many.
import { randomBytes } from "node:crypto";
import { type Server as HttpServer, createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { type Drain, createDrainForwarder, deleteLogs, queueLogEntries } from "../../platform/logs/index.ts";
import { eventually } from "../support/platform.ts";
import { frames, syslogReceiver } from "../support/syslog.ts";

describe("log drains", () => {
  let redis: Redis;
  const app = `drains-${randomBytes(4).toString("hex")}`;
  let drains: Drain[] = [];
  const forwarders: ReturnType<typeof createDrainForwarder>[] = [];
  const forwarderLog: string[] = [];
  /** A forwarder of the test's own, its drains what `drains` says. */
  async function forwarder(bounds: { bufferLines?: number; bufferBytes?: number } = {}) {
    for (const earlier of forwarders.splice(0)) earlier.stop();
    const made = createDrainForwarder({ redis, drains: async () => drains, log: (l) => forwarderLog.push(l), refreshMs: 100, ...bounds, maxRetryMs: 500 });
    forwarders.push(made);
    await made.start();
  }
  const told = (e: Error, what: () => string) => {
    throw new Error(`${e.message}: ${what()}\nthe forwarder said:\n${forwarderLog.join("\n")}`);
  };

  const write = (lines: string[], dyno = "web.1") =>
    queueLogEntries(redis.pipeline(), app, lines.map((line) => ({ source: "app", dyno, line }))).exec();
  const lineOf = (message: string) => message.split(" - - ").slice(1).join(" - - ");

  beforeAll(async () => {
    redis = new Redis(redisUrl(loadConfig()));
    await write(["written before any drain"]);
  });
  afterAll(async () => {
    for (const made of forwarders) made.stop();
    await deleteLogs(redis, app);
    redis.disconnect();
  });

  it("sends every line of a burst that fits in the log's window to a syslog receiver, in order, as RFC 5424 messages", async () => {
    const receiver = await syslogReceiver();
    try {
      drains = [{ id: "d1", app, url: `syslog://127.0.0.1:${receiver.port}`, token: "d.syslog-test" }];
      await forwarder();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // As fast as Redis takes them, as many as an app's log keeps (its window, 1,500 lines): all of
      // them reach the drain however far behind the forwarder is.
      const burst = Array.from({ length: 1_500 }, (_, i) => `burst line ${i}`);
      await write(burst);
      await eventually("the whole burst", async () => (receiver.messages().length >= burst.length ? true : undefined), 20_000).catch((e: Error) => told(e, () => `${receiver.messages().length} came`));
      const messages = receiver.messages();
      expect(messages.map(lineOf)).toEqual(burst);
      expect(messages[0]).toMatch(/^<190>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 d\.syslog-test app web\.1 - - burst line 0$/);
      // Only what came after the drain did: not the line before it.
      expect(messages.map(lineOf)).not.toContain("written before any drain");
    } finally {
      drains = [];
      await receiver.close();
    }
  }, 60_000);

  /**
   * A drain whose receiver is away while `lines` are written, then back on the same port: what it
   * gets once back, read when `expected` messages have come.
   */
  async function awayThenBack(token: string, bounds: { bufferLines?: number; bufferBytes?: number }, lines: string[], expected: number) {
    const first = await syslogReceiver();
    const port = first.port;
    await first.close();
    drains = [{ id: token, app, url: `syslog://127.0.0.1:${port}`, token }];
    await forwarder(bounds);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await write(lines);
    await eventually("the forwarder to find the receiver gone", async () => (forwarderLog.some((l) => l.includes(token) && l.includes("trying again")) ? true : undefined), 10_000);
    const back = await syslogReceiver(port);
    try {
      await eventually("the kept lines", async () => (back.messages().length >= expected ? true : undefined), 20_000).catch((e: Error) => told(e, () => `${back.messages().length} came`));
      return back.messages().map(lineOf);
    } finally {
      drains = [];
      await back.close();
    }
  }

  it("keeps lines while the receiver is away, drops the oldest past its buffer and says how many", async () => {
    const lines = Array.from({ length: 150 }, (_, i) => `while away ${i}`);
    const got = await awayThenBack("d.away", { bufferLines: 100 }, lines, 101);
    expect(got[0]).toMatch(/^Error L10 \(output buffer overflow\): 50 messages dropped/);
    expect(got.slice(1)).toEqual(lines.slice(50));
  }, 60_000);

  it("holds no more bytes than its bound while the receiver is away: a flood of long lines cannot grow the API", async () => {
    const long = Array.from({ length: 10 }, (_, i) => `${i} ${"x".repeat(5_000)}`);
    // 5 KB and its header a line: three of them fit in 20,000 bytes.
    const got = await awayThenBack("d.bytes", { bufferBytes: 20_000 }, long, 4);
    expect(got[0]).toMatch(/^Error L10 \(output buffer overflow\): 7 messages dropped/);
    expect(got.slice(1)).toEqual(long.slice(7));
  }, 60_000);

  it("posts batches in logplex's framing to an HTTP receiver, with its headers", async () => {
    const bodies: { headers: Record<string, string | string[] | undefined>; messages: string[] }[] = [];
    let refuseFirst = true;
    const server: HttpServer = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        // The first POST is refused: the batch is sent again.
        if (refuseFirst) {
          refuseFirst = false;
          return void res.writeHead(503).end();
        }
        bodies.push({ headers: req.headers, messages: frames(Buffer.concat(chunks)) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      drains = [{ id: "d3", app, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`, token: "d.http" }];
      await forwarder();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = Array.from({ length: 1_200 }, (_, i) => `posted ${i}`);
      await write(lines, "worker.1");
      await eventually("every line posted", async () => (bodies.flatMap((b) => b.messages).length >= lines.length ? true : undefined), 20_000).catch((e: Error) =>
        told(e, () => `${bodies.flatMap((b) => b.messages).length} came`),
      );
      expect(bodies.flatMap((b) => b.messages).map(lineOf)).toEqual(lines);
      for (const body of bodies) {
        expect(body.headers["content-type"]).toBe("application/logplex-1");
        expect(body.headers["logplex-drain-token"]).toBe("d.http");
        expect(Number(body.headers["logplex-msg-count"])).toBe(body.messages.length);
        expect(body.messages.length).toBeLessThanOrEqual(500);
      }
    } finally {
      drains = [];
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
