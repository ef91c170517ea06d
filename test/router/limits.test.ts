// Timeouts and limits, with Heroku's codes: the defaults asserted as values, and the behaviour
// through an in-process router whose timeouts are configured short, so nothing waits 30 s.
import http from "node:http";
import { type Socket, connect, createServer as createTcpServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS } from "../../platform/router/options.ts";
import { type Harness, listening, portOf, rawExchange, seenBy, sleep, startRouter, waitFor, within } from "./harness.ts";

describe("the defaults are Heroku's", () => {
  it("30 s to the first byte, 55 s idle, 8 KB lines", () => {
    expect(DEFAULT_TIMEOUTS.firstByteMs).toBe(30_000);
    expect(DEFAULT_TIMEOUTS.idleMs).toBe(55_000);
    expect(DEFAULT_LIMITS.maxRequestLine).toBe(8192);
    expect(DEFAULT_LIMITS.maxHeaderLine).toBe(8192);
    // What keeps slow clients and hung dynos from holding the router.
    expect(DEFAULT_TIMEOUTS.headersMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_TIMEOUTS.poolIdleMs).toBeLessThan(5_000);
    expect(DEFAULT_LIMITS.maxHeaderBytes).toBeLessThanOrEqual(64 * 1024);
  });
});

describe("limits and timeouts (in-process, short timeouts)", () => {
  let r: Harness;
  const host = (app: string) => `${app}.localhost`;
  const timeouts = { firstByteMs: 300, idleMs: 400, headersMs: 300, keepAliveMs: 300, connectMs: 200 };

  beforeAll(async () => {
    r = await startRouter({ timeouts, limits: { maxSocketsPerDyno: 2, maxBacklogPerApp: 1 } });
  });
  afterEach(() => r.closeDynos());
  afterAll(() => r.close());

  it("answers 503 H12 when the dyno's answer does not begin in time, and drops the dyno's request", async () => {
    let dynoSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (dynoSawClose = resolve));
    const hung = await r.dyno("web.1", (_req, res) => res.on("close", dynoSawClose));
    const name = await r.app([hung]);
    const started = Date.now();
    const res = await r.request({ host: host(name) });
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.body).toContain("H12");
    expect(res.body).toContain("300 ms");
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2_000);
    await within(closed, "the dyno's request to be dropped");
  });

  it("counts the time to answer from when the request body was sent, not from its first byte", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: r.port(), method: "POST", headers: { host: host(name) }, agent: false }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      // 600 ms of upload, twice the time to answer, each part well within the idle timeout.
      req.write("a");
      setTimeout(() => req.write("b"), 200);
      setTimeout(() => req.write("c"), 400);
      setTimeout(() => req.end("d"), 600);
    });
    expect(seenBy({ body }).body).toBe("abcd");
  });

  it("cuts a started answer that goes idle (H15), and not one that keeps coming", async () => {
    const stalls = await r.dyno("web.1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("begun");
    });
    const trickles = await r.dyno("web.1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      let n = 0;
      const tick = setInterval(() => (++n === 8 ? (clearInterval(tick), res.end(".")) : res.write(".")), 150);
    });
    const read = (app: string) =>
      new Promise<{ text: string; complete: boolean; ms: number }>((resolve) => {
        const started = Date.now();
        http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(app) }, agent: false }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk));
          res.on("error", () => {});
          res.on("close", () => resolve({ text, complete: res.complete, ms: Date.now() - started }));
        }).on("error", () => {});
      });
    const cut = await within(read(await r.app([stalls])), "the idle answer to be cut");
    expect(cut).toMatchObject({ text: "begun", complete: false });
    expect(cut.ms).toBeGreaterThanOrEqual(390);
    const whole = await within(read(await r.app([trickles])), "the trickling answer");
    expect(whole).toMatchObject({ text: "........", complete: true });
    expect(whole.ms).toBeGreaterThan(timeouts.idleMs);
  });

  it("closes a connection whose headers come too slowly (slowloris) with 408", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const answer = await new Promise<{ text: string; ms: number }>((resolve) => {
      const started = Date.now();
      const socket = connect(r.port(), "127.0.0.1");
      let text = "";
      socket.write(`GET / HTTP/1.1\r\nHost: ${host(name)}\r\n`);
      const drip = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 100);
      socket.on("data", (chunk: Buffer) => (text += chunk));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(drip);
        resolve({ text, ms: Date.now() - started });
      });
    });
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.ms).toBeLessThan(2_000);
    expect(web.seen).toHaveLength(0);
  });

  it("closes a connection whose request body stops coming, and an idle kept-alive one", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const stalled = await within(rawExchange(r.port(), `POST / HTTP/1.1\r\nHost: ${host(name)}\r\nContent-Length: 10\r\n\r\nab`, 5_000), "the stalled body to be cut", 3_000);
    expect(stalled).not.toMatch(/ 200 OK/);
    const idleSince = Date.now();
    const kept = await within(rawExchange(r.port(), `GET / HTTP/1.1\r\nHost: ${host(name)}\r\n\r\n`, 5_000), "the idle connection to close", 3_000);
    expect(kept).toMatch(/^HTTP\/1\.1 200 /);
    expect(Date.now() - idleSince).toBeLessThan(2_000);
  });

  it("refuses a 12 KB header (431), a 9 KB request line (414) and too many headers in all (431)", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const big = await r.request({ host: host(name), headers: { "x-big": "b".repeat(12 * 1024) } });
    expect(big.status).toBe(431);
    expect(big.body).toContain("8192");
    const longLine = await r.request({ host: host(name), path: `/${"a".repeat(9 * 1024)}` });
    expect(longLine.status).toBe(414);
    const many: Record<string, string> = {};
    for (let i = 0; i < 12; i++) many[`x-part-${i}`] = "p".repeat(7 * 1024);
    const tooMany = await rawExchange(r.port(), `GET / HTTP/1.1\r\nHost: ${host(name)}\r\n${Object.entries(many).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
    expect(tooMany).toMatch(/^HTTP\/1\.1 431 /);
    expect(web.seen).toHaveLength(0);
    // Just under the limits passes.
    expect((await r.request({ host: host(name), headers: { "x-big": "b".repeat(8000) } })).status).toBe(200);
  });

  it("answers 503 H11 once an app's backlog is full, rather than queueing without bound", async () => {
    const held: http.ServerResponse[] = [];
    const slow = await r.dyno("web.1", (_req, res) => held.push(res));
    const name = await r.app([slow]);
    // 2 connections to the dyno and a backlog of 1: three requests are taken, the fourth is refused.
    const taken = [0, 1, 2].map(() => r.request({ host: host(name) }));
    await waitFor("two requests at the dyno and one waiting", () => (held.length === 2 && r.table.route(name).inFlight === 3) || undefined);
    const refused = await r.request({ host: host(name) });
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("H11");
    for (const res of held.splice(0)) res.end("ok");
    await waitFor("the waiting request to reach the dyno", () => held.length === 1 || undefined);
    held[0]!.end("ok");
    expect((await Promise.all(taken)).map((a) => a.status)).toEqual([200, 200, 200]);
  });

  it("treats a dyno that does not take the connection in time as refusing: the other one answers", async () => {
    const web = await r.dyno("web.2");
    // TEST-NET-1: nothing answers there; the attempt ends by the connect timeout or as unreachable.
    const name = await r.app(["192.0.2.1:9", web]);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await r.request({ host: host(name) });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
  });

  it("sends a request again on a fresh connection when a pooled one turns out closed, once", async () => {
    // A dyno whose first connection answers once, then closes as the next request arrives on it.
    let connections = 0;
    const server = createTcpServer((socket: Socket) => {
      const nth = ++connections;
      let requests = 0;
      socket.on("data", () => {
        requests++;
        if (nth === 1 && requests === 2) return socket.destroy();
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      });
    });
    await listening(server);
    try {
      const name = await r.app([`127.0.0.1:${portOf(server)}`]);
      expect((await r.request({ host: host(name) })).body).toBe("ok");
      await sleep(20);
      expect((await r.request({ host: host(name) })).body).toBe("ok");
      expect(connections).toBe(2);
    } finally {
      server.close();
    }
  });
});
