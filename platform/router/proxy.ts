// HTTP reverse proxy: `Host: <app>.<domain>` → one of the app's up web dynos.
// A dyno that cannot be connected to is skipped for the next one; the request body is
// held back until a dyno accepted the connection, so a retry never sends it twice.
import http from "node:http";
import { type Socket, connect } from "node:net";
import { type Duplex, pipeline } from "node:stream";
import { badGateway, noSuchApp, noWebDynos } from "./pages.ts";
import type { Backend, RouteTable } from "./table.ts";

export function appFromHost(host: string | undefined, domain: string): string | undefined {
  const name = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  const suffix = `.${domain}`;
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
}

function forwardedHeaders(req: http.IncomingMessage, port: number): http.OutgoingHttpHeaders {
  const prior = req.headers["x-forwarded-for"];
  const client = req.socket.remoteAddress ?? "";
  return {
    ...req.headers,
    "x-forwarded-for": prior ? `${prior}, ${client}` : client,
    "x-forwarded-proto": "http",
    "x-forwarded-port": String(port),
    "x-request-start": String(Date.now()),
  };
}

type Answer = { status: number; body: string };

/** The app's backends in the order to try them, or the router's own answer. */
function route(table: RouteTable, host: string | undefined, domain: string): { app: string; backends: Backend[] } | Answer {
  const app = appFromHost(host, domain);
  const backends = app ? table.pick(app) : undefined;
  if (!app || !backends) return noSuchApp(host ?? "");
  if (backends.length === 0) return noWebDynos(app);
  return { app, backends };
}

/** Runs `connected` once `socket` is connected to the dyno (at once for a kept-alive one). */
function whenConnected(socket: Socket, connected: () => void) {
  if (socket.connecting) socket.once("connect", connected);
  else connected();
}

export function createProxy(opts: { table: RouteTable; domain: string; port: number }): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  function send(res: http.ServerResponse, answer: Answer) {
    if (res.destroyed || res.headersSent) return void res.destroy();
    res.writeHead(answer.status, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(answer.body) });
    res.end(answer.body);
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, app: string, backends: Backend[]) {
    let upstream: http.ClientRequest | undefined;
    let clientGone = false;
    res.on("close", () => {
      clientGone = !res.writableFinished;
      if (clientGone) upstream?.destroy();
    });

    const attempt = ([backend, ...rest]: Backend[]) => {
      if (!backend) return send(res, badGateway(app));
      let connected = false;
      const request = http.request({
        host: backend.host,
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req, opts.port),
        agent,
      });
      upstream = request;
      request.on("socket", (socket) =>
        whenConnected(socket, () => {
          connected = true;
          req.pipe(request);
        }),
      );
      request.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        // Either side ending early ends the other: a dyno dying mid-answer cuts the client off
        // rather than leaving it waiting for the rest.
        pipeline(answer, res, () => {});
      });
      request.on("error", () => {
        // Not connected: nothing reached that dyno, the next one may take the request.
        if (!connected && !clientGone && rest.length > 0) return attempt(rest);
        send(res, badGateway(app));
      });
    };
    attempt(backends);
  }

  const server = http.createServer((req, res) => {
    const target = route(opts.table, req.headers.host, opts.domain);
    if ("status" in target) return send(res, target);
    forward(req, res, target.app, target.backends);
  });

  // WebSockets and other upgrades: a raw byte pipe to one dyno, tried in the same order.
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    let upstream: Socket | undefined;
    socket.on("error", () => upstream?.destroy());
    socket.on("close", () => upstream?.destroy());
    const refuse = (answer: Answer) => {
      const status = `${answer.status} ${http.STATUS_CODES[answer.status] ?? ""}`;
      const type = "Content-Type: text/html; charset=utf-8";
      socket.end(`HTTP/1.1 ${status}\r\n${type}\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\nConnection: close\r\n\r\n${answer.body}`);
    };
    const target = route(opts.table, req.headers.host, opts.domain);
    if ("status" in target) return refuse(target);

    const attempt = ([backend, ...rest]: Backend[]) => {
      if (!backend) return refuse(badGateway(target.app));
      let connected = false;
      const dyno = connect(backend.port, backend.host, () => {
        connected = true;
        const headers = forwardedHeaders(req, opts.port);
        const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : [`${k}: ${v}`]));
        dyno.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
        dyno.write(head);
        dyno.pipe(socket).pipe(dyno);
      });
      upstream = dyno;
      dyno.on("error", () => {
        if (!connected && !socket.destroyed) return rest.length > 0 ? attempt(rest) : refuse(badGateway(target.app));
        socket.destroy();
      });
      // The dyno is gone: let what it sent reach the client, then close.
      dyno.on("close", () => connected && socket.end());
    };
    attempt(target.backends);
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
