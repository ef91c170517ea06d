// WebSockets and other upgrades through the in-process router: a switch of protocols piped both
// ways with the forwarding headers, the same 404/503 answers and retry as plain requests, a
// dyno's refusal to upgrade passed on, and an idle upgraded connection closed.
import type http from "node:http";
import { request } from "node:http";
import type { Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Dyno, type Harness, startRouter, within } from "./harness.ts";

describe("upgrades (in-process router)", () => {
  let r: Harness;
  const idleMs = 400;

  beforeAll(async () => {
    r = await startRouter({ timeouts: { idleMs } });
  });
  afterEach(() => r.closeDynos());
  afterAll(() => r.close());

  /** A dyno that switches protocols and then echoes every byte. */
  async function echoDyno(name = "web.1"): Promise<Dyno> {
    const web = await r.dyno(name);
    web.server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      web.seen.push({ dyno: name, method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body: "" });
      if (req.headers.upgrade !== "echo") return void socket.end("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 7\r\nConnection: close\r\n\r\nno echo");
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Dyno: yes\r\n\r\n");
      if (head.length) socket.write(head);
      socket.pipe(socket);
    });
    return web;
  }

  function upgrade(host: string, protocol = "echo") {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; socket?: Socket; body?: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: r.port(), path: "/socket?x=1", headers: { host, connection: "Upgrade", upgrade: protocol }, agent: false });
      req.on("upgrade", (res, socket: Socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }));
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("pipes the upgraded connection both ways, with the forwarding headers and the request id", async () => {
    const web = await echoDyno();
    const name = await r.app([web]);
    const { status, headers, socket } = await within(upgrade(`${name}.localhost`), "the upgrade");
    expect(status).toBe(101);
    socket!.on("error", () => {});
    try {
      const echoed = new Promise<string>((resolve) => socket!.once("data", (chunk: Buffer) => resolve(chunk.toString())));
      socket!.write("ping");
      expect(await within(echoed, "the echo")).toBe("ping");
      const seen = web.seen.find((s) => s.url === "/socket?x=1")!;
      expect(seen.headers).toMatchObject({ upgrade: "echo", connection: "Upgrade", "x-forwarded-for": "127.0.0.1", "x-forwarded-port": "8080" });
      expect(headers).toMatchObject({ upgrade: "echo", "x-dyno": "yes" });
      expect(headers["x-request-id"]).toBe(seen.headers["x-request-id"]);
    } finally {
      socket!.destroy();
    }
  });

  it("answers an upgrade for an unknown app with 404 and for an app without dynos with 503", async () => {
    expect((await within(upgrade("nosuchapp.localhost"), "the 404")).status).toBe(404);
    const idle = await within(upgrade(`${await r.app([])}.localhost`), "the 503");
    expect(idle.status).toBe(503);
    expect(idle.body).toContain("H14");
  });

  it("retries an upgrade on another dyno when one refuses, and answers 503 H10 when all do", async () => {
    const web = await echoDyno();
    const retried = await within(upgrade(`${await r.app([await r.refusing(), web])}.localhost`), "the upgrade");
    expect(retried.status).toBe(101);
    retried.socket!.destroy();
    const crashed = await within(upgrade(`${await r.app([await r.refusing()])}.localhost`), "the 503");
    expect(crashed.status).toBe(503);
    expect(crashed.body).toContain("H10");
  });

  it("passes on a dyno's refusal to upgrade", async () => {
    const web = await echoDyno();
    const res = await within(upgrade(`${await r.app([web])}.localhost`, "other"), "the refusal");
    expect(res).toMatchObject({ status: 426, body: "no echo" });
    expect(res.headers["x-request-id"]).toBeTruthy();
  });

  it("closes an upgraded connection idle both ways, and keeps one in use", async () => {
    const web = await echoDyno();
    const name = await r.app([web]);
    const { socket } = await within(upgrade(`${name}.localhost`), "the upgrade");
    socket!.on("error", () => {});
    // In use for three idle periods: still open.
    let echoes = 0;
    let last = Date.now();
    socket!.on("data", () => {
      echoes++;
      last = Date.now();
    });
    const closed = new Promise((resolve) => socket!.on("close", resolve));
    for (let i = 0; i < 6; i++) {
      socket!.write(".");
      await new Promise((resolve) => setTimeout(resolve, idleMs / 2));
    }
    expect(socket!.destroyed).toBe(false);
    expect(echoes).toBeGreaterThan(0);
    await within(closed, "the idle connection to close");
    expect(Date.now() - last).toBeGreaterThanOrEqual(idleMs - 50);
  });
});
