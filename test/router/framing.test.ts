// How the router frames what it passes on, on raw sockets where it matters: answers without a
// length, HTTP/1.0 clients, interim answers, HEAD, Expect: 100-continue and a large answer read
// slowly. The router's own HTTP/1.1 (wire.ts, connection.ts) must get each right.
import { createHash } from "node:crypto";
import http from "node:http";
import { type Socket, connect, createServer as createTcpServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, listening, portOf, rawExchange, startRouter, within } from "./harness.ts";

describe("framing through the router (in-process)", () => {
  let r: Harness;
  const host = (app: string) => `${app}.localhost`;

  beforeAll(async () => {
    r = await startRouter();
  });
  afterEach(() => r.closeDynos());
  afterAll(() => r.close());

  /** A dyno on a raw socket: `answer` is written once the request's head is in, then the connection ends if `close`. */
  async function rawDyno(answer: string, close: boolean) {
    const server = createTcpServer((socket: Socket) => {
      let got = "";
      socket.on("data", (chunk: Buffer) => {
        got += chunk.toString("latin1");
        if (!got.includes("\r\n\r\n")) return;
        got = "";
        if (close) socket.end(answer);
        else socket.write(answer);
      });
      socket.on("error", () => {});
    });
    await listening(server);
    return { server, app: await r.app([`127.0.0.1:${portOf(server)}`]) };
  }

  it("passes an answer that ends with the dyno's connection whole, and closes the client's after it", async () => {
    const { server, app } = await rawDyno("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, until the end", true);
    try {
      const answer = await rawExchange(r.port(), `GET / HTTP/1.1\r\nHost: ${host(app)}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer.endsWith("\r\n\r\nall of it, until the end")).toBe(true);
    } finally {
      server.close();
    }
  });

  it("takes the chunks off a chunked answer for an HTTP/1.0 client, and closes after it", async () => {
    const { server, app } = await rawDyno("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false);
    try {
      const answer = await rawExchange(r.port(), `GET / HTTP/1.0\r\nHost: ${host(app)}\r\n\r\n`);
      expect(answer).not.toMatch(/transfer-encoding/i);
      expect(answer).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer.endsWith("\r\n\r\nhello world")).toBe(true);
    } finally {
      server.close();
    }
  });

  it("passes a chunked answer on chunked to an HTTP/1.1 client, and keeps the connection", async () => {
    const { server, app } = await rawDyno("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false);
    try {
      const pipelined = `GET /1 HTTP/1.1\r\nHost: ${host(app)}\r\n\r\nGET /2 HTTP/1.1\r\nHost: ${host(app)}\r\nConnection: close\r\n\r\n`;
      const answer = await rawExchange(r.port(), pipelined);
      expect(answer.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
      expect(answer.match(/Transfer-Encoding: chunked\r\n/g)).toHaveLength(2);
      expect(answer.match(/5\r\nhello\r\n0\r\n\r\n/g)).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it("drops a dyno's interim answers (103) and passes the final one", async () => {
    const { server, app } = await rawDyno("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
    try {
      const res = await r.request({ host: host(app) });
      expect([res.status, res.body]).toEqual([200, "ok"]);
    } finally {
      server.close();
    }
  });

  it("answers HEAD without a body, and the connection serves the next request", async () => {
    const web = await r.dyno("web.1", (req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "11" });
      res.end(req.method === "HEAD" ? undefined : "hello world");
    });
    const app = await r.app([web]);
    const answer = await rawExchange(r.port(), `HEAD / HTTP/1.1\r\nHost: ${host(app)}\r\n\r\nGET / HTTP/1.1\r\nHost: ${host(app)}\r\nConnection: close\r\n\r\n`);
    expect(answer.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(answer.match(/Content-Length: 11\r\n/gi)).toHaveLength(2);
    expect(answer.endsWith("\r\n\r\nhello world")).toBe(true);
  });

  it("says 100 Continue to a client that expects it, then passes its body", async () => {
    const web = await r.dyno("web.1");
    const app = await r.app([web]);
    const got = await new Promise<string>((resolve) => {
      const socket = connect(r.port(), "127.0.0.1", () => socket.write(`POST / HTTP/1.1\r\nHost: ${host(app)}\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`));
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.startsWith("HTTP/1.1 100 Continue\r\n\r\n") && !text.includes(" 200 ")) socket.write("body");
      });
      socket.on("close", () => resolve(text));
    });
    expect(got).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(got).toContain('"body":"body"');
  });

  it("passes a large answer intact to a client that stops reading for a while", async () => {
    const payload = Buffer.alloc(8 * 1024 * 1024, "abcdefghij");
    const web = await r.dyno("web.1", (_req, res) => res.end(payload));
    const app = await r.app([web]);
    const digest = await within(
      new Promise<string>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: r.port(), headers: { host: host(app) }, agent: false }, (res) => {
          const hash = createHash("sha256");
          res.on("data", (chunk: Buffer) => hash.update(chunk));
          res.on("end", () => resolve(hash.digest("hex")));
          res.on("error", reject);
          // Far more than the sockets hold: the router's writes back up, and it must resume after.
          res.pause();
          setTimeout(() => res.resume(), 300);
        }).on("error", reject);
      }),
      "the large answer",
      20_000,
    );
    expect(digest).toBe(createHash("sha256").update(payload).digest("hex"));
  });

  it("reads a head sent a byte at a time, from a client and from a dyno", async () => {
    const server = createTcpServer((socket: Socket) => {
      let got = "";
      socket.on("data", (chunk: Buffer) => {
        got += chunk.toString("latin1");
        if (!got.includes("\r\n\r\n")) return;
        const answer = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nX-Slow: yes\r\n\r\nslow";
        let at = 0;
        const drip = setInterval(() => (at < answer.length ? socket.write(answer[at++]!) : clearInterval(drip)), 1);
      });
      socket.on("error", () => {});
    });
    await listening(server);
    try {
      const app = await r.app([`127.0.0.1:${portOf(server)}`]);
      const request = `GET / HTTP/1.1\r\nHost: ${host(app)}\r\nX-Padding: ${"p".repeat(200)}\r\nConnection: close\r\n\r\n`;
      const answer = await within(
        new Promise<string>((resolve) => {
          const socket = connect(r.port(), "127.0.0.1", () => {
            let at = 0;
            const drip = setInterval(() => (at < request.length ? socket.write(request[at++]!) : clearInterval(drip)), 1);
          });
          let text = "";
          socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
          socket.on("close", () => resolve(text));
        }),
        "the dripped exchange",
        10_000,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer).toMatch(/\r\nX-Slow: yes\r\n/);
      expect(answer.endsWith("\r\n\r\nslow")).toBe(true);
    } finally {
      server.close();
    }
  });

  it("answers thousands of pipelined requests for no app, in order, and goes on serving", async () => {
    const one = "GET / HTTP/1.1\r\nHost: nobody-here.localhost\r\n\r\n";
    const answer = await rawExchange(r.port(), `${one.repeat(3000)}GET / HTTP/1.1\r\nHost: nobody-here.localhost\r\nConnection: close\r\n\r\n`, 10_000);
    expect(answer.match(/HTTP\/1\.1 404 /g)).toHaveLength(3001);
  });
});
