// An in-process router for the router's tests: the real proxy on an ephemeral port of 127.0.0.1,
// its route table loaded from the platform's real Redis in a namespace of the test's own (written
// with the dyno manager's own publishRoutes), in front of real node:http dynos on 127.0.0.1.
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { type AddressInfo, connect, createServer as createTcpServer } from "node:net";
import { Redis } from "ioredis";
import { publishRoutes } from "../../platform/dynos/routes.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { deleteLogs } from "../../platform/logs/index.ts";
import { type RouterLog, createRouterLog } from "../../platform/router/access-log.ts";
import { type ProxyOptions, type ProxyServer, createDynoPool, createProxy } from "../../platform/router/proxy.ts";
import { type RouteEntry } from "../../platform/router/route-entries.ts";
import { announceApps, createRouteTable, routeKeys } from "../../platform/router/table.ts";

export const DOMAIN = "localhost";

/** What an echo dyno saw of one request. */
export interface Seen {
  dyno: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface Dyno {
  name: string;
  address: string;
  /** The route table entry for it. */
  entry: RouteEntry;
  seen: Seen[];
  server: http.Server;
}

export interface Answered {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export const portOf = (server: { address(): unknown }) => (server.address() as AddressInfo).port;
export const listening = <T extends { listen(port: number, host: string, cb: () => void): unknown }>(server: T) =>
  new Promise<T>((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));

export function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface Harness {
  redis: Redis;
  namespace: string;
  keys: ReturnType<typeof routeKeys>;
  table: ReturnType<typeof createRouteTable>;
  proxy: ProxyServer;
  port: () => number;
  log: RouterLog;
  /** A web dyno that answers with what it saw, as JSON, unless `handler` answers instead. */
  dyno(name: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Dyno>;
  /** An address where nothing listens: connecting is refused. */
  refusing(): Promise<string>;
  /** A fresh app served by `backends` (none: an app with no web dyno up), with the table reloaded. */
  app(backends: (string | RouteEntry | Dyno)[]): Promise<string>;
  request(opts: RequestOptions): Promise<Answered>;
  /** Closes the dynos made since the last call (afterEach). */
  closeDynos(): void;
  close(): Promise<void>;
}

export interface RequestOptions {
  host: string;
  method?: string;
  path?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: http.Agent | false;
}

export async function startRouter(opts: Partial<Omit<ProxyOptions, "table" | "log">> & { domain?: string } = {}): Promise<Harness> {
  const namespace = `test-router-${randomBytes(4).toString("hex")}:`;
  const keys = routeKeys(namespace);
  // As main.ts wires them: one pool, whose idle connections to a dyno go when it leaves the table.
  const pool = createDynoPool({ timeouts: opts.timeouts, limits: opts.limits });
  const table = createRouteTable({ namespace, domain: opts.domain ?? DOMAIN, onRemoved: (backend) => pool.drop(backend.address) });
  const redis = new Redis(redisUrl(loadConfig()));
  const log = createRouterLog({ redis, flushMs: 2 });
  const proxy = await listening(createProxy({ port: 8080, pool, ...opts, table, log }));
  const closers: (() => void)[] = [];
  const apps: string[] = [];

  const harness: Harness = {
    redis, namespace, keys, table, proxy, log,
    port: () => portOf(proxy),
    async dyno(name, handler) {
      const seen: Seen[] = [];
      const server = http.createServer((req, res) => {
        const entry: Seen = { dyno: name, method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body: "" };
        seen.push(entry);
        if (handler) return handler(req, res);
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (entry.body += chunk));
        req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entry)));
      });
      await listening(server);
      closers.push(() => server.close(), () => server.closeAllConnections());
      const address = `127.0.0.1:${portOf(server)}`;
      return { name, address, entry: { address, dyno: name }, seen, server };
    },
    async refusing() {
      const server = await listening(createTcpServer());
      const address = `127.0.0.1:${portOf(server)}`;
      await new Promise((resolve) => server.close(resolve));
      return address;
    },
    async app(backends) {
      const name = `app-${randomBytes(4).toString("hex")}`;
      apps.push(name);
      await announceApps(redis, { add: name }, { namespace });
      const entries = backends.map((b) => (typeof b === "object" && "entry" in b ? b.entry : b));
      await publishRoutes(redis, name, entries, namespace);
      await table.load(redis);
      return name;
    },
    request(r) {
      return new Promise((resolve, reject) => {
        const req = (opts.tls ? https : http).request(
          {
            host: "127.0.0.1", port: portOf(proxy), method: r.method ?? "GET", path: r.path ?? "/",
            headers: { host: r.host, ...r.headers }, agent: r.agent ?? false, rejectUnauthorized: false,
          },
          (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(r.body);
      });
    },
    closeDynos() {
      for (const close of closers.splice(0)) close();
    },
    async close() {
      harness.closeDynos();
      pool.destroy();
      proxy.closeAllConnections();
      proxy.close();
      await log.flush();
      const dels = [keys.apps, keys.routes, keys.domains, keys.certs, keys.maintenance, keys.internal];
      await redis.del(...dels);
      for (const app of apps) await deleteLogs(redis, app);
      redis.disconnect();
    },
  };
  return harness;
}

/** Writes `text` on a raw connection to `port` and gives all it gets back until the connection closes (or `ms`). */
export function rawExchange(port: number, text: string | Buffer, ms = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let got = "";
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on("data", (chunk: Buffer) => (got += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

export const seenBy = (res: { body: string }) => JSON.parse(res.body) as Seen;
