// The router's proxy in-process (harness.ts): routing by Host and custom domain, the app states
// that answer without a dyno, choosing and retrying dynos, and streaming both ways.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, portOf, rawExchange, seenBy, startRouter, waitFor, within } from "./harness.ts";

describe("router proxy (in-process, real Redis route table)", () => {
  let r: Harness;
  const host = (app: string) => `${app}.localhost`;

  beforeAll(async () => {
    r = await startRouter({ timeouts: { setAsideMs: 60_000 } });
  });
  afterEach(() => r.closeDynos());
  afterAll(() => r.close());

  describe("routing by Host", () => {
    it("sends <app>.<domain> to the app's dyno, path and query as they are", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      const res = await r.request({ host: host(name), path: "/a/b?c=1&d=%20" });
      expect(res.status).toBe(200);
      expect(seenBy(res)).toMatchObject({ dyno: "web.1", method: "GET", url: "/a/b?c=1&d=%20" });
      expect(seenBy(res).headers.host).toBe(host(name));
    });

    it("ignores the port in Host and its case", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      expect((await r.request({ host: `${name}.localhost:8080` })).status).toBe(200);
      expect((await r.request({ host: `${name.toUpperCase()}.LocalHost:8080` })).status).toBe(200);
      expect(web.seen).toHaveLength(2);
    });

    it("answers 404 for a host that is no app, with the host named and escaped", async () => {
      const res = await r.request({ host: "nosuchapp.localhost:8080" });
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^text\/html/);
      expect(res.body).toContain("No such app");
      expect(res.body).toContain("nosuchapp.localhost:8080");
      expect((await r.request({ host: "localhost" })).status).toBe(404);
      expect((await r.request({ host: "example.com" })).status).toBe(404);
      const odd = await r.request({ host: "<b>x</b>.example.com" });
      expect(odd.status).toBe(404);
      expect(odd.body).not.toContain("<b>x</b>");
    });

    it("routes a custom domain, exact before wildcard, to its app", async () => {
      const exact = await r.dyno("web.1");
      const wild = await r.dyno("web.1");
      const [a, b] = [await r.app([exact]), await r.app([wild])];
      await r.redis.hset(r.keys.domains, "www.example.test", a, "*.example.test", b);
      await r.table.load(r.redis);
      expect((await r.request({ host: "www.example.test" })).status).toBe(200);
      expect((await r.request({ host: "WWW.Example.Test:443" })).status).toBe(200);
      expect((await r.request({ host: "shop.example.test" })).status).toBe(200);
      expect(exact.seen).toHaveLength(2);
      expect(wild.seen.map((s) => s.headers.host)).toEqual(["shop.example.test"]);
      // A wildcard covers one label, and not the bare parent.
      expect((await r.request({ host: "a.b.example.test" })).status).toBe(404);
      expect((await r.request({ host: "example.test" })).status).toBe(404);
    });

    it("never serves an internal app: 404 as if unknown, by its name and by a custom domain", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      await r.redis.hset(r.keys.domains, "internal.example.test", name);
      await r.redis.sadd(r.keys.internal, name);
      await r.table.load(r.redis);
      expect((await r.request({ host: host(name) })).status).toBe(404);
      expect((await r.request({ host: "internal.example.test" })).status).toBe(404);
      expect(web.seen).toHaveLength(0);
    });

    it("answers 503 H80 with a maintenance page for an app in maintenance mode", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      await r.redis.sadd(r.keys.maintenance, name);
      await r.table.load(r.redis);
      const res = await r.request({ host: host(name) });
      expect(res.status).toBe(503);
      expect(res.body).toContain("maintenance");
      expect(web.seen).toHaveLength(0);
      await r.redis.srem(r.keys.maintenance, name);
      await r.table.load(r.redis);
      expect((await r.request({ host: host(name) })).status).toBe(200);
    });

    it("answers 503 H14 for an app that exists but has no web dyno up", async () => {
      const name = await r.app([]);
      const res = await r.request({ host: host(name) });
      expect(res.status).toBe(503);
      expect(res.body).toContain(name);
      expect(res.body).toContain("H14");
    });

    it("refuses two Host headers, and an absolute-form target naming another host (400)", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      const twoHosts = await rawExchange(r.port(), `GET / HTTP/1.1\r\nHost: ${host(name)}\r\nHost: other.localhost\r\n\r\n`);
      expect(twoHosts).toMatch(/^HTTP\/1\.1 400 /);
      const other = await r.request({ host: host(name), path: "http://other.localhost/" });
      expect(other.status).toBe(400);
      const same = await r.request({ host: host(name), path: `http://${host(name)}/x?y=1` });
      expect(same.status).toBe(200);
      expect(seenBy(same).url).toBe("/x?y=1");
      expect(web.seen).toHaveLength(1);
    });
  });

  describe("choosing a dyno", () => {
    it("spreads requests over the app's dynos", async () => {
      const one = await r.dyno("web.1");
      const two = await r.dyno("web.2");
      const name = await r.app([one, two]);
      for (let i = 0; i < 40; i++) await r.request({ host: host(name) });
      expect(one.seen.length + two.seen.length).toBe(40);
      expect(one.seen.length).toBeGreaterThan(5);
      expect(two.seen.length).toBeGreaterThan(5);
    });

    it("sends new requests to the less loaded dyno: one holding requests gets none", async () => {
      const held: http.ServerResponse[] = [];
      const busy = await r.dyno("web.1", (_req, res) => held.push(res));
      const idle = await r.dyno("web.2");
      const name = await r.app([busy, idle]);
      // A request stuck on web.1 (sent until one lands there; the first choice is random).
      const stuck: Promise<unknown>[] = [];
      while (busy.seen.length < 1) {
        stuck.push(r.request({ host: host(name) }));
        await waitFor("the request to arrive", () => busy.seen.length + idle.seen.length >= stuck.length || undefined);
      }
      const before = idle.seen.length;
      for (let i = 0; i < 10; i++) expect(seenBy(await r.request({ host: host(name) })).dyno).toBe("web.2");
      expect(idle.seen.length).toBe(before + 10);
      for (const res of held) res.end("late");
      await Promise.all(stuck);
    });

    it("retries once on another dyno when one refuses, and sets the refusing one aside", async () => {
      const web = await r.dyno("web.2");
      const refused = await r.refusing();
      const name = await r.app([refused, web]);
      for (let i = 0; i < 6; i++) {
        const res = await r.request({ host: host(name) });
        expect(res.status).toBe(200);
        expect(seenBy(res).dyno).toBe("web.2");
      }
      const route = r.table.route(name);
      const aside = route.backends.find((b) => b.address === refused)!;
      expect(aside.setAsideUntil).toBeGreaterThan(Date.now());
    });

    it("retries a request with a body too: a refused connection got none of it", async () => {
      const web = await r.dyno("web.2");
      const name = await r.app([await r.refusing(), web]);
      for (let i = 0; i < 3; i++) {
        const res = await r.request({ host: host(name), method: "POST", body: "payload", headers: { "content-type": "text/plain" } });
        expect(res.status).toBe(200);
        expect(seenBy(res)).toMatchObject({ dyno: "web.2", method: "POST", body: "payload" });
      }
    });

    it("answers 503 H10 when the dynos refuse (one retry, not more)", async () => {
      const name = await r.app([await r.refusing(), await r.refusing()]);
      const res = await r.request({ host: host(name) });
      expect(res.status).toBe(503);
      expect(res.body).toContain("H10");
      expect(res.headers["x-request-id"]).toBeTruthy();
    });

    it("does not retry when the dyno took the connection and then closed it (503 H13)", async () => {
      const crashing = await r.dyno("web.1", (req) => req.socket.destroy());
      const web = await r.dyno("web.2");
      const name = await r.app([crashing]);
      await r.redis.hset(r.keys.routes, name, JSON.stringify([crashing.entry, web.entry]));
      await r.table.load(r.redis);
      r.table.route(name).backends.find((b) => b.dyno === "web.2")!.inFlight = 1000; // so web.1 is chosen
      try {
        const res = await r.request({ host: host(name) });
        expect(res.status).toBe(503);
        expect(res.body).toContain("H13");
        expect(crashing.seen).toHaveLength(1);
        expect(web.seen).toHaveLength(0);
      } finally {
        r.table.route(name).backends.find((b) => b.dyno === "web.2")!.inFlight = 0;
      }
    });

    it("does not send a request body twice: a dyno that read it and failed is not retried", async () => {
      let received = "";
      const crashing = await r.dyno("web.1", (req) => {
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (received += chunk));
        req.on("end", () => req.socket.destroy());
      });
      const name = await r.app([crashing]);
      const res = await r.request({ host: host(name), method: "POST", body: "charge the card once" });
      expect(res.status).toBe(503);
      expect(received).toBe("charge the card once");
      expect(crashing.seen).toHaveLength(1);
    });

    it("a dyno taken out of the table gets no new request, and its request in flight finishes", async () => {
      let release!: () => void;
      const leaving = await r.dyno("web.1", (_req, res) => {
        release = () => res.end("finished");
      });
      const staying = await r.dyno("web.2");
      const name = await r.app([leaving]);
      const inFlight = r.request({ host: host(name) });
      await waitFor("the request to reach web.1", () => leaving.seen.length === 1 || undefined);
      await r.app([]); // any reload
      await r.redis.hset(r.keys.routes, name, JSON.stringify([staying.entry]));
      await r.table.load(r.redis);
      for (let i = 0; i < 5; i++) expect(seenBy(await r.request({ host: host(name) })).dyno).toBe("web.2");
      expect(leaving.seen).toHaveLength(1);
      release();
      const finished = await within(inFlight, "the request in flight");
      expect(finished).toMatchObject({ status: 200, body: "finished" });
    });

    it("closes the pool's idle connections to a dyno taken out of the table", async () => {
      const leaving = await r.dyno("web.1");
      let closed = 0;
      leaving.server.on("connection", (socket) => socket.on("close", () => closed++));
      const name = await r.app([leaving]);
      expect((await r.request({ host: host(name) })).status).toBe(200);
      expect(closed).toBe(0);
      await r.redis.hset(r.keys.routes, name, JSON.stringify([]));
      await r.table.load(r.redis);
      // At once, not after the pool's own idle timeout (4 s).
      await waitFor("the idle pooled connection to close", () => closed === 1 || undefined, 1_000);
    });
  });

  describe("streaming", () => {
    it("streams a large request body through intact", async () => {
      const web = await r.dyno("web.1");
      const name = await r.app([web]);
      const body = randomBytes(3 * 1024 * 1024).toString("base64");
      const res = await r.request({ host: host(name), method: "PUT", body });
      expect(res.status).toBe(200);
      const seen = seenBy(res);
      expect(seen.body.length).toBe(body.length);
      expect(createHash("sha256").update(seen.body).digest("hex")).toBe(createHash("sha256").update(body).digest("hex"));
    });

    it("passes a chunked request body on as it arrives, not once it is complete", async () => {
      let firstChunk!: () => void;
      const gotFirstChunk = new Promise<void>((resolve) => (firstChunk = resolve));
      const web = await r.dyno("web.1", (req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => {
          body += chunk;
          firstChunk();
        });
        req.on("end", () => res.end(`${req.headers["transfer-encoding"]} ${body}`));
      });
      const name = await r.app([web]);
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: r.port(), method: "POST", headers: { host: host(name) }, agent: false }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.write("first ");
        // The second half is sent only once the dyno has the first.
        within(gotFirstChunk, "the dyno to receive the first chunk").then(() => req.end("second"), reject);
      });
      expect(await within(answer, "the answer")).toBe("chunked first second");
    });

    it("passes the answer back as the dyno writes it", async () => {
      let finish!: () => void;
      const web = await r.dyno("web.1", (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("early ");
        finish = () => res.end("late");
      });
      const name = await r.app([web]);
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(name) }, agent: false }, (res) => {
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
      const web = await r.dyno("web.1", (_req, res) => {
        res.setHeader("set-cookie", ["a=1", "b=2"]);
        res.writeHead(418, { "x-dyno": "web.1" }).end("teapot");
      });
      const name = await r.app([web]);
      const res = await r.request({ host: host(name) });
      expect(res.status).toBe(418);
      expect(res.headers["x-dyno"]).toBe("web.1");
      expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(res.body).toBe("teapot");
    });

    it("keeps client connections alive and reuses pooled connections to the dyno", async () => {
      const web = await r.dyno("web.1", (req, res) => res.end(String(req.socket.remotePort)));
      const name = await r.app([web]);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const clientPorts = new Set<number>();
      const dynoSides = new Set<string>();
      try {
        for (let i = 0; i < 5; i++) {
          await new Promise<void>((resolve, reject) => {
            const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(name) }, agent }, (res) => {
              clientPorts.add(portOf({ address: () => res.socket.address() }));
              let body = "";
              res.on("data", (c: Buffer) => (body += c));
              res.on("end", () => {
                dynoSides.add(body);
                resolve();
              });
            });
            req.on("error", reject);
          });
        }
      } finally {
        agent.destroy();
      }
      expect(clientPorts.size).toBe(1);
      expect(dynoSides.size).toBe(1);
    });
  });

  describe("connections that end early", () => {
    it("a client that goes away mid-response ends the request to the dyno", async () => {
      let dynoSawClose!: () => void;
      const closed = new Promise<void>((resolve) => (dynoSawClose = resolve));
      const web = await r.dyno("web.1", (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("a first part");
        const more = setInterval(() => res.write("."), 50);
        res.on("close", () => {
          clearInterval(more);
          dynoSawClose();
        });
      });
      const name = await r.app([web]);
      await new Promise<void>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(name) }, agent: false }, (res) => {
          res.once("data", () => {
            req.destroy();
            resolve();
          });
        });
        req.on("error", () => {});
        req.on("close", resolve);
      });
      await within(closed, "the dyno's response to close");
    });

    it("a client that goes away before the dyno answers ends the request to the dyno", async () => {
      let dynoSawClose!: () => void;
      const closed = new Promise<void>((resolve) => (dynoSawClose = resolve));
      let arrived!: () => void;
      const requested = new Promise<void>((resolve) => (arrived = resolve));
      const web = await r.dyno("web.1", (_req, res) => {
        arrived();
        res.on("close", () => dynoSawClose());
      });
      const name = await r.app([web]);
      const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(name) }, agent: false });
      req.on("error", () => {});
      await within(requested, "the request to reach the dyno");
      req.destroy();
      await within(closed, "the dyno's response to close");
      await waitFor("the app's in-flight count back to 0", () => r.table.route(name).inFlight === 0 || undefined);
      expect(r.table.route(name).backends[0]!.inFlight).toBe(0);
    });

    it("a dyno that dies mid-response ends the client's response instead of leaving it hanging", async () => {
      const web = await r.dyno("web.1", (req, res) => {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
        res.write("only part of it", () => setTimeout(() => req.socket.destroy(), 50));
      });
      const name = await r.app([web]);
      const ending = new Promise<string>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(name) }, agent: false }, (res) => {
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
