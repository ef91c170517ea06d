// HTTP reverse proxy: `Host: <app>.<domain>` → one of the app's up web dynos.
// A dyno that refuses the connection is skipped for the next one.
import http from "node:http";
import { connect } from "node:net";
import type { Duplex } from "node:stream";
import { badGateway, noSuchApp, noWebDynos } from "./pages.ts";
import type { Backend, RouteTable } from "./table.ts";

export function appFromHost(host: string | undefined, domain: string): string | undefined {
  const name = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  const suffix = `.${domain}`;
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
}

function forwardedHeaders(req: http.IncomingMessage, port: number): http.OutgoingHttpHeaders {
  const prior = req.headers["x-forwarded-for"];
  return {
    ...req.headers,
    "x-forwarded-for": prior ? `${prior}, ${req.socket.remoteAddress}` : req.socket.remoteAddress,
    "x-forwarded-proto": "http",
    "x-forwarded-port": String(port),
    "x-request-start": String(Date.now()),
  };
}

export function createProxy(opts: { table: RouteTable; domain: string; port: number }): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  function send(res: http.ServerResponse, answer: { status: number; body: string }) {
    res.writeHead(answer.status, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(answer.body) });
    res.end(answer.body);
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, app: string, backends: Backend[]) {
    const [backend, ...rest] = backends;
    if (!backend) return send(res, badGateway(app));
    const upstream = http.request({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req, opts.port),
      agent,
    });
    let responded = false;
    upstream.on("response", (answer) => {
      responded = true;
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      // Only a refused connection is safe to retry: nothing reached the dyno.
      if (!responded && error.code === "ECONNREFUSED" && rest.length > 0 && req.readableLength === 0 && !req.readableDidRead) {
        return forward(req, res, app, rest);
      }
      if (!res.headersSent) send(res, badGateway(app));
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    const app = appFromHost(req.headers.host, opts.domain);
    const backends = app ? opts.table.pick(app) : undefined;
    if (!app || !backends) return send(res, noSuchApp(req.headers.host ?? ""));
    if (backends.length === 0) return send(res, noWebDynos(app));
    forward(req, res, app, backends);
  });

  // WebSockets and other upgrades: a raw byte pipe to one dyno.
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const app = appFromHost(req.headers.host, opts.domain);
    const backend = app ? opts.table.pick(app)?.[0] : undefined;
    if (!backend) return socket.destroy();
    const upstream = connect(backend.port, backend.host, () => {
      const headers = forwardedHeaders(req, opts.port);
      const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : [`${k}: ${v}`]));
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
