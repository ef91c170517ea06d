// The router's HTTP(S) server: admit (admit.ts), send to a dyno (forward.ts), stream the answer
// back, and one log line per request for the app (access-log.ts). Built on Node's own HTTP
// parser, which refuses smuggling (CL+TE, duplicate Content-Length, obs-fold, bare LF, bad
// chunk sizes) with a 400 before the router sees the request.
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { type RequestRecord, type RouterLog, formatRouterLine } from "./access-log.ts";
import { type Admitted, type Listener, admit, inFlight } from "./admit.ts";
import { sendToDyno } from "./forward.ts";
import { VIA, responseHeaders } from "./headers.ts";
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type ProxyLimits, type ProxyTimeouts } from "./options.ts";
import { type Answer, badRequest, headersTimeout, headersTooLarge, rawAnswer } from "./pages.ts";
import type { RouteTable } from "./table.ts";
import { type DefaultCertificate, sniOptions } from "./tls.ts";
import { handleUpgrade } from "./upgrade.ts";

export interface ProxyOptions {
  table: RouteTable;
  /** The port clients connect to (X-Forwarded-Port). */
  port: number;
  /** Serve HTTPS with this default certificate, and the table's certificates by SNI. */
  tls?: DefaultCertificate;
  /** Where the per-request lines go; none when absent. */
  log?: RouterLog;
  /** The router's own messages (an unusable certificate). */
  say?: (line: string) => void;
  timeouts?: Partial<ProxyTimeouts>;
  limits?: Partial<ProxyLimits>;
  /** The pool of connections to dynos, shared by the HTTP and HTTPS servers of one router. */
  agent?: http.Agent;
}

export function createDynoAgent(opts: { timeouts?: Partial<ProxyTimeouts>; limits?: Partial<ProxyLimits> } = {}): http.Agent {
  return new http.Agent({
    keepAlive: true,
    maxSockets: opts.limits?.maxSocketsPerDyno ?? DEFAULT_LIMITS.maxSocketsPerDyno,
    maxFreeSockets: 64,
    timeout: opts.timeouts?.poolIdleMs ?? DEFAULT_TIMEOUTS.poolIdleMs,
    scheduling: "lifo",
  });
}

/**
 * Closes the pool's idle connections to a dyno that left the table: it gets no new request, and
 * one sent on a connection it is about to close (as it stops) would need a retry.
 */
export function dropIdleConnections(agent: http.Agent, backend: { host: string; port: number }): void {
  const idle = agent.freeSockets[agent.getName({ host: backend.host, port: backend.port })];
  for (const socket of idle ?? []) socket.destroy();
}

/** Everything a request's handling needs, made once per server. */
export interface ProxyContext {
  table: RouteTable;
  listener: Listener;
  timeouts: ProxyTimeouts;
  limits: ProxyLimits;
  agent: http.Agent;
  /** Writes the request's log line into the app's stream (a no-op without a RouterLog). */
  done(record: RequestRecord): void;
}

/** The router's own answer on a response that has not begun; a begun one can only be cut. */
function send(res: http.ServerResponse, answer: Answer, requestId?: string) {
  if (res.headersSent || res.destroyed) return void res.destroy();
  const headers: http.OutgoingHttpHeaders = { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(answer.body), Via: VIA };
  if (requestId) headers["X-Request-Id"] = requestId;
  // A request the router could not read leaves the connection in an unknown state.
  if (answer.status === 400) headers.Connection = "close";
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function forward(ctx: ProxyContext, target: Admitted, req: http.IncomingMessage, res: http.ServerResponse) {
  const { record } = target;
  const request = inFlight(target, ctx.done);
  const finish = request.finish;

  const exchange = sendToDyno({ agent: ctx.agent, timeouts: ctx.timeouts }, target, req, {
    onResponse(answer) {
      try {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer.rawHeaders, target.requestId));
      } catch {
        // A header Node's parser let through that its writer refuses: the answer is not passable.
        answer.destroy();
        record.code = "H17";
        record.status = 503;
        return send(res, { status: 503, body: "" }, target.requestId);
      }
      record.status = answer.statusCode ?? 502;
      // H15: a started answer with no byte either way for idleMs.
      const dyno = answer.socket;
      const idle = () => {
        record.code = "H15";
        answer.destroy();
        res.destroy();
      };
      dyno.setTimeout(ctx.timeouts.idleMs);
      dyno.on("timeout", idle);
      answer.on("data", (chunk: Buffer) => {
        record.bytes += chunk.length;
        if (!res.write(chunk)) answer.pause();
      });
      res.on("drain", () => answer.resume());
      answer.on("end", () => res.end());
      answer.on("error", () => {
        // The dyno stopped midway (H18): the client's answer is cut, not left waiting for the rest.
        record.code ??= "H18";
        res.destroy();
      });
      answer.on("close", () => {
        dyno.off("timeout", idle);
        if (!answer.complete && !res.writableEnded) {
          record.code ??= "H18";
          res.destroy();
        }
      });
    },
    onFailure(answer, code) {
      record.code = code;
      record.status = answer.status;
      send(res, answer, target.requestId);
    },
  });

  // A request body that stops coming for idleMs (H28): Node asks this listener, which closes.
  if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) {
    req.on("timeout", () => {
      record.code = "H28";
      record.status = 499;
      req.socket.destroy();
    });
  }
  res.on("finish", finish);
  res.on("close", () => {
    if (res.writableFinished) return;
    // The client went away first (H27) unless the router cut it (a code is set).
    if (!record.code && !res.headersSent) {
      record.code = "H27";
      record.status = 499;
    }
    exchange.abort();
    finish();
  });
}

export function createProxy(opts: ProxyOptions): http.Server | https.Server {
  const timeouts: ProxyTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const limits: ProxyLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.log;
  const ctx: ProxyContext = {
    table: opts.table,
    listener: { proto: opts.tls ? "https" : "http", port: opts.port },
    timeouts,
    limits,
    agent: opts.agent ?? createDynoAgent({ timeouts, limits }),
    done: log ? (record) => log.write(record.app, formatRouterLine(record)) : () => {},
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const target = admit(ctx.table, limits, ctx.listener, req, false);
    if ("answer" in target) {
      send(res, target.answer, target.requestId);
      if (target.record) ctx.done(target.record);
      return;
    }
    forward(ctx, target, req, res);
  };

  const serverOptions: http.ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: timeouts.headersMs,
    // A request body is bounded by idleness (server.timeout), not by a total time.
    requestTimeout: 0,
    keepAliveTimeout: timeouts.keepAliveMs,
    // How often Node looks for connections past headersTimeout.
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(timeouts.headersMs / 4))),
    noDelay: true,
  };
  const server = opts.tls
    ? https.createServer({ ...serverOptions, ...sniOptions(ctx.table, opts.tls, opts.say), handshakeTimeout: timeouts.headersMs }, onRequest)
    : http.createServer(serverOptions, onRequest);
  server.timeout = timeouts.idleMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.maxHeadersCount = 0; // all of them (their bytes are bounded): none silently dropped

  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => handleUpgrade(ctx, req, socket, head));

  // What Node's parser refuses (smuggling attempts, oversized or slow heads) gets a small page and a close.
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const inProgress = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inProgress?.headersSent) return void socket.destroy();
    const answer =
      error.code === "HPE_HEADER_OVERFLOW" ? headersTooLarge(limits.maxHeaderLine)
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? headersTimeout()
      : badRequest();
    socket.end(rawAnswer(answer));
  });
  return server;
}
