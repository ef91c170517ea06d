// The router's proxy in-process, on an ephemeral port, in front of real node:http dynos on
// 127.0.0.1. Its route table is the real one, loaded from the platform's Redis in a
// namespace of this test's own.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { type AddressInfo, type Socket, createServer as createTcpServer } from "node:net";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { createProxy } from "../../platform/router/proxy.ts";
import { announceApps, createRouteTable, routeKeys } from "../../platform/router/table.ts";

const ROUTER_PORT = 8080;

/** What an echo dyno saw of one request. */
interface Seen {
  dyno: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Dyno {
  name: string;
  address: string;
  seen: Seen[];
  server: http.Server;
}

const port = (server: { address(): unknown }) => (server.address() as AddressInfo).port;
const listening = <T extends { listen(port: number, host: string, cb: () => void): unknown }>(server: T) =>
  new Promise<T>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));

function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("router proxy (in-process, real Redis route table)", () => {
  const namespace = `test-proxy-${randomBytes(4).toString("hex")}:`;
  const keys = routeKeys(namespace);
  const table = createRouteTable({ namespace });
  const closers: (() => void)[] = [];
  let redis: Redis;
  let proxy: http.Server;

  /** A web dyno that answers with what it saw, as JSON, unless `handler` answers instead. */
  async function dyno(name: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Dyno> {
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
      const entry: Seen = { dyno: name, method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: "" };
      seen.push(entry);
      if (handler) return handler(req, res);
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (entry.body += chunk));
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entry)));
    });
    await listening(server);
    closers.push(() => server.close());
    closers.push(() => server.closeAllConnections());
    return { name, address: `127.0.0.1:${port(server)}`, seen, server };
  }

  /** An address where nothing listens: connecting is refused. */
  async function refusing(): Promise<string> {
    const server = await listening(createTcpServer());
    const address = `127.0.0.1:${port(server)}`;
    await new Promise((resolve) => server.close(resolve));
    return address;
  }

  /** A fresh app (so its round-robin starts at the first backend) served by `backends`. */
  async function app(backends: string[]): Promise<string> {
    const name = `app-${randomBytes(3).toString("hex")}`;
    await announceApps(redis, { add: name }, { namespace });
    if (backends.length) await redis.hset(keys.routes, name, JSON.stringify(backends));
    await table.load(redis);
    return name;
  }

  function request(opts: { host: string; method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer }) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: port(proxy), method: opts.method ?? "GET", path: opts.path ?? "/", headers: { host: opts.host, ...opts.headers }, agent: false },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(opts.body);
    });
  }

  const seenBy = (res: { body: string }) => JSON.parse(res.body) as Seen;

  beforeAll(async () => {
    redis = new Redis(redisUrl(loadConfig()));
    proxy = await listening(createProxy({ table, domain: "localhost", port: ROUTER_PORT }));
  });

  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  afterAll(async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    await redis?.del(keys.apps, keys.routes);
    redis?.disconnect();
  });

  describe("routing by Host", () => {
    it("sends <app>.<domain> to the app's dyno, path and query as they are", async () => {
      const web = await dyno("web.1");
      const name = await app([web.address]);
      const res = await request({ host: `${name}.localhost`, path: "/a/b?c=1&d=%20" });
      expect(res.status).toBe(200);
      expect(seenBy(res)).toMatchObject({ dyno: "web.1", method: "GET", url: "/a/b?c=1&d=%20" });
      expect(seenBy(res).headers.host).toBe(`${name}.localhost`);
    });

    it("ignores the port in Host and its case", async () => {
      const web = await dyno("web.1");
      const name = await app([web.address]);
      expect((await request({ host: `${name}.localhost:${ROUTER_PORT}` })).status).toBe(200);
      expect((await request({ host: `${name.toUpperCase()}.LocalHost:${ROUTER_PORT}` })).status).toBe(200);
      expect(web.seen).toHaveLength(2);
    });

    it("answers 404 for a host that is no app, with the host named", async () => {
      const res = await request({ host: "nosuchapp.localhost:8080" });
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.body).toContain("No such app");
      expect(res.body).toContain("nosuchapp.localhost:8080");
      expect((await request({ host: "localhost" })).status).toBe(404);
      expect((await request({ host: "example.com" })).status).toBe(404);
    });

    it("escapes the host it names in the 404 page", async () => {
      const res = await request({ host: "<b>x</b>.example.com" });
      expect(res.status).toBe(404);
      expect(res.body).not.toContain("<b>x</b>");
    });

    it("answers 503 for an app that exists but has no web dyno up", async () => {
      const name = await app([]);
      const res = await request({ host: `${name}.localhost` });
      expect(res.status).toBe(503);
      expect(res.body).toContain(name);
    });
  });

  describe("choosing a dyno", () => {
    it("takes the app's dynos in turn", async () => {
      const one = await dyno("web.1");
      const two = await dyno("web.2");
      const name = await app([one.address, two.address]);
      const served: string[] = [];
      for (let i = 0; i < 4; i++) served.push(seenBy(await request({ host: `${name}.localhost` })).dyno);
      expect(served).toEqual(["web.1", "web.2", "web.1", "web.2"]);
    });

    it("retries the next dyno when one refuses the connection", async () => {
      const web = await dyno("web.2");
      const name = await app([await refusing(), web.address]);
      for (let i = 0; i < 2; i++) {
        const res = await request({ host: `${name}.localhost` });
        expect(res.status).toBe(200);
        expect(seenBy(res).dyno).toBe("web.2");
      }
    });

    it("retries a request with a body too: a refused connection got none of it", async () => {
      const web = await dyno("web.2");
      const name = await app([await refusing(), web.address]);
      const res = await request({ host: `${name}.localhost`, method: "POST", body: "payload", headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(200);
      expect(seenBy(res)).toMatchObject({ dyno: "web.2", method: "POST", body: "payload" });
    });

    it("does not retry when the dyno took the connection and then failed (502)", async () => {
      const crashing = await dyno("web.1", (req) => req.socket.destroy());
      const web = await dyno("web.2");
      const name = await app([crashing.address, web.address]);
      const res = await request({ host: `${name}.localhost` });
      expect(res.status).toBe(502);
      expect(crashing.seen).toHaveLength(1);
      expect(web.seen).toHaveLength(0);
    });

    it("does not send a request body twice: a dyno that read it and failed is not retried", async () => {
      let received = "";
      const crashing = await dyno("web.1", (req) => {
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (received += chunk));
        req.on("end", () => req.socket.destroy());
      });
      const web = await dyno("web.2");
      const name = await app([crashing.address, web.address]);
      const res = await request({ host: `${name}.localhost`, method: "POST", body: "charge the card once" });
      expect(res.status).toBe(502);
      expect(received).toBe("charge the card once");
      expect(web.seen).toHaveLength(0);
    });

    it("answers 502 when every dyno refuses", async () => {
      const name = await app([await refusing(), await refusing()]);
      const res = await request({ host: `${name}.localhost` });
      expect(res.status).toBe(502);
      expect(res.body).toContain("did not answer");
    });
  });

  describe("what the dyno sees", () => {
    it("appends the client to X-Forwarded-For and sets -Proto, -Port and X-Request-Start", async () => {
      const web = await dyno("web.1");
      const name = await app([web.address]);
      const before = Date.now();
      const first = seenBy(await request({ host: `${name}.localhost`, headers: { "x-forwarded-proto": "https" } }));
      const second = seenBy(await request({ host: `${name}.localhost`, headers: { "x-forwarded-for": "203.0.113.7" } }));
      const after = Date.now();
      expect(first.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(second.headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
      expect(first.headers["x-forwarded-proto"]).toBe("http");
      expect(first.headers["x-forwarded-port"]).toBe(String(ROUTER_PORT));
      const start = Number(first.headers["x-request-start"]);
      expect(start).toBeGreaterThanOrEqual(before);
      expect(start).toBeLessThanOrEqual(after);
    });

    it("streams a large request body through intact", async () => {
      const web = await dyno("web.1");
      const name = await app([web.address]);
      const body = randomBytes(3 * 1024 * 1024).toString("base64");
      const res = await request({ host: `${name}.localhost`, method: "PUT", body });
      expect(res.status).toBe(200);
      const seen = seenBy(res);
      expect(seen.body.length).toBe(body.length);
      expect(createHash("sha256").update(seen.body).digest("hex")).toBe(createHash("sha256").update(body).digest("hex"));
    });

    it("passes the request body on as it arrives, not once it is complete", async () => {
      let firstChunk!: () => void;
      const gotFirstChunk = new Promise<void>((resolve) => (firstChunk = resolve));
      const web = await dyno("web.1", (req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => {
          body += chunk;
          firstChunk();
        });
        req.on("end", () => res.end(body));
      });
      const name = await app([web.address]);
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: port(proxy), method: "POST", headers: { host: `${name}.localhost` }, agent: false }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.write("first ");
        // The second half is sent only once the dyno has the first.
        void within(gotFirstChunk, "the dyno to receive the first chunk").then(() => req.end("second"), reject);
      });
      expect(await within(answer, "the answer")).toBe("first second");
    });

    it("passes the answer back as the dyno writes it", async () => {
      let finish!: () => void;
      const web = await dyno("web.1", (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("early ");
        finish = () => res.end("late");
      });
      const name = await app([web.address]);
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port: port(proxy), headers: { host: `${name}.localhost` }, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.once("data", () => finish());
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve(text));
        });
        req.on("error", reject);
      });
      expect(body).toBe("early late");
    });

    it("passes the dyno's status and headers back", async () => {
      const web = await dyno("web.1", (_req, res) => {
        res.setHeader("set-cookie", ["a=1", "b=2"]);
        res.writeHead(418, { "x-dyno": "web.1" }).end("teapot");
      });
      const name = await app([web.address]);
      const res = await request({ host: `${name}.localhost` });
      expect(res.status).toBe(418);
      expect(res.headers["x-dyno"]).toBe("web.1");
      expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(res.body).toBe("teapot");
    });
  });

  describe("WebSockets and other upgrades", () => {
    /** A dyno that switches protocols and then echoes every byte, after a line naming what it saw. */
    async function echoDyno(): Promise<Dyno> {
      const web = await dyno("web.1");
      web.server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
        web.seen.push({ dyno: "web.1", method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: "" });
        socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
        if (head.length) socket.write(head);
        socket.pipe(socket);
      });
      return web;
    }

    function upgrade(host: string) {
      return new Promise<{ status: number; socket?: Socket }>((resolve, reject) => {
        const req = http.request({
          host: "127.0.0.1",
          port: port(proxy),
          path: "/socket?x=1",
          headers: { host, connection: "Upgrade", upgrade: "echo" },
          agent: false,
        });
        req.on("upgrade", (res, socket: Socket) => resolve({ status: res.statusCode ?? 0, socket }));
        req.on("response", (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        });
        req.on("error", reject);
        req.end();
      });
    }

    it("pipes the upgraded connection both ways, with the forwarding headers", async () => {
      const web = await echoDyno();
      const name = await app([web.address]);
      const { status, socket } = await within(upgrade(`${name}.localhost`), "the upgrade");
      expect(status).toBe(101);
      closers.push(() => socket?.destroy());
      const echoed = new Promise<string>((resolve) => socket!.once("data", (chunk: Buffer) => resolve(chunk.toString())));
      socket!.write("ping");
      expect(await within(echoed, "the echo")).toBe("ping");
      expect(web.seen[0]).toMatchObject({ url: "/socket?x=1" });
      expect(web.seen[0]!.headers).toMatchObject({ upgrade: "echo", "x-forwarded-for": "127.0.0.1", "x-forwarded-port": String(ROUTER_PORT) });
    });

    it("answers an upgrade for an unknown app with 404 and for an app without dynos with 503", async () => {
      expect((await within(upgrade("nosuchapp.localhost"), "the 404")).status).toBe(404);
      expect((await within(upgrade(`${await app([])}.localhost`), "the 503")).status).toBe(503);
    });

    it("retries an upgrade on the next dyno when one refuses, and answers 502 when all do", async () => {
      const web = await echoDyno();
      expect((await within(upgrade(`${await app([await refusing(), web.address])}.localhost`), "the upgrade")).status).toBe(101);
      expect((await within(upgrade(`${await app([await refusing()])}.localhost`), "the 502")).status).toBe(502);
    });
  });

  describe("connections that end early", () => {
    it("a client that goes away mid-response ends the request to the dyno", async () => {
      let dynoSawClose!: () => void;
      const closed = new Promise<void>((resolve) => (dynoSawClose = resolve));
      const web = await dyno("web.1", (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("a first part");
        const more = setInterval(() => res.write("."), 50);
        res.on("close", () => {
          clearInterval(more);
          dynoSawClose();
        });
      });
      const name = await app([web.address]);
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port: port(proxy), headers: { host: `${name}.localhost` }, agent: false }, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        req.on("error", () => {});
        req.on("close", resolve);
        setTimeout(() => reject(new Error("no first part")), 5_000);
      });
      await within(closed, "the dyno's response to close");
    });

    it("a client that goes away before the dyno answers ends the request to the dyno", async () => {
      let dynoSawClose!: () => void;
      const closed = new Promise<void>((resolve) => (dynoSawClose = resolve));
      let arrived!: () => void;
      const requested = new Promise<void>((resolve) => (arrived = resolve));
      const web = await dyno("web.1", (_req, res) => {
        arrived();
        res.on("close", () => dynoSawClose());
      });
      const name = await app([web.address]);
      const req = http.get({ host: "127.0.0.1", port: port(proxy), headers: { host: `${name}.localhost` }, agent: false });
      req.on("error", () => {});
      await within(requested, "the request to reach the dyno");
      req.destroy();
      await within(closed, "the dyno's response to close");
    });

    it("a dyno that dies mid-response ends the client's response instead of leaving it hanging", async () => {
      const web = await dyno("web.1", (req, res) => {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
        res.write("only part of it", () => setTimeout(() => req.socket.destroy(), 50));
      });
      const name = await app([web.address]);
      const ending = new Promise<string>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port: port(proxy), headers: { host: `${name}.localhost` }, agent: false }, (res) => {
          res.on("error", () => resolve("aborted"));
          res.on("end", () => resolve(res.complete ? "complete" : "aborted"));
          res.on("close", () => resolve(res.complete ? "complete" : "aborted"));
          res.resume();
        });
        req.on("error", () => resolve("aborted"));
      });
      expect(await within(ending, "the client's response to end")).toBe("aborted");
    });
  });
});
