// The router's HTTP(S) servers: raw connections (net, or tls with the certificate chosen by SNI),
// each read and answered by connection.ts over one shared pool of dyno connections (pool.ts).
// HTTP/1.1 is parsed by wire.ts, strictly: smuggling attempts (CL+TE, duplicate Content-Length,
// obs-fold, bare LF, bad chunk sizes) get a 400 and the connection closed before any dyno sees
// them. One sweep per server, a few times a second, ends what is past its deadline.
import net from "node:net";
import tls from "node:tls";
import { formatRouterLine, type RouterLog } from "./access-log.ts";
import { ClientConnection, type ProxyContext } from "./connection.ts";
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type ProxyLimits, type ProxyTimeouts } from "./options.ts";
import { DynoPool } from "./pool.ts";
import type { RouteTable } from "./table.ts";
import { type DefaultCertificate, sniOptions } from "./tls.ts";

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
  pool?: DynoPool;
}

export function createDynoPool(opts: { timeouts?: Partial<ProxyTimeouts>; limits?: Partial<ProxyLimits> } = {}): DynoPool {
  return new DynoPool({
    maxSocketsPerDyno: opts.limits?.maxSocketsPerDyno ?? DEFAULT_LIMITS.maxSocketsPerDyno,
    idleMs: opts.timeouts?.poolIdleMs ?? DEFAULT_TIMEOUTS.poolIdleMs,
  });
}

export type ProxyServer = (net.Server | tls.Server) & {
  /** Ends every client connection at once (tests, shutdown). */
  closeAllConnections(): void;
};

export function createProxy(opts: ProxyOptions): ProxyServer {
  const timeouts: ProxyTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const limits: ProxyLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.log;
  const pool = opts.pool ?? createDynoPool({ timeouts, limits });
  const ctx: ProxyContext = {
    table: opts.table,
    listener: { proto: opts.tls ? "https" : "http", port: opts.port },
    timeouts,
    limits,
    pool,
    done: log ? (record) => log.write(record.app, formatRouterLine(record)) : () => {},
    connections: new Set(),
  };
  const accept = (socket: net.Socket) => void new ClientConnection(ctx, socket);
  // Half-open: a client that ends its side after its request still gets the answer.
  const server = opts.tls
    ? tls.createServer({ ...sniOptions(ctx.table, opts.tls, opts.say), allowHalfOpen: true, handshakeTimeout: timeouts.headersMs }, accept)
    : net.createServer({ allowHalfOpen: true, noDelay: true }, accept);
  if (opts.tls) server.on("tlsClientError", (_error: Error, socket: tls.TLSSocket) => socket.destroy());

  // Often enough for the shortest deadline to be kept within a quarter of itself.
  const shortest = Math.min(timeouts.firstByteMs, timeouts.idleMs, timeouts.headersMs, timeouts.keepAliveMs, timeouts.connectMs, timeouts.poolIdleMs);
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const connection of ctx.connections) connection.expire(now);
    pool.sweep(now);
  }, Math.min(250, Math.max(10, Math.floor(shortest / 4))));
  sweep.unref();
  server.on("close", () => clearInterval(sweep));

  return Object.assign(server, {
    closeAllConnections() {
      for (const connection of ctx.connections) connection.socket.destroy();
    },
  });
}
