// The router's in-memory view of Redis: which apps exist, which web dynos serve each, custom
// domains, TLS certificates, maintenance mode and the apps never served publicly. Reloaded whole
// on every change event (follow.ts); a request only ever reads it, never waits on Redis.
import type { Redis } from "ioredis";
import { APPS_CHANNEL, APPS_KEY, ROUTES_CHANNEL, ROUTES_KEY } from "../lib/channels.ts";
import { CERTS_KEY, DOMAINS_KEY, INTERNAL_APPS_KEY, MAINTENANCE_KEY, TlsCertificate, matchHostname } from "../lib/route-contract.ts";
import { parseRouteEntries } from "./route-entries.ts";

export { APPS_CHANNEL, APPS_KEY, ROUTES_CHANNEL, ROUTES_KEY };

/** One web dyno. The same object for the same address across reloads, so its load counts survive them. */
export interface Backend {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  dyno: string;
  /** Requests sent to it and not done yet, by every server of this router (HTTP and HTTPS). */
  inFlight: number;
  /** Until when (ms since the epoch) it is left out of the choice, after it refused a connection. */
  setAsideUntil: number;
}

/** One app's route: the same object across reloads. */
export interface AppRoute {
  readonly app: string;
  backends: Backend[];
  /** Requests for the app not done yet: what its backlog limit counts. */
  inFlight: number;
}

/** Where the table lives in Redis. A namespace prefixes every name, so a test never touches the live table. */
export interface RouteKeys {
  apps: string;
  appsChannel: string;
  routes: string;
  routesChannel: string;
  domains: string;
  certs: string;
  maintenance: string;
  internal: string;
}

export function routeKeys(namespace = ""): RouteKeys {
  return {
    apps: `${namespace}${APPS_KEY}`,
    appsChannel: `${namespace}${APPS_CHANNEL}`,
    routes: `${namespace}${ROUTES_KEY}`,
    routesChannel: `${namespace}${ROUTES_CHANNEL}`,
    domains: `${namespace}${DOMAINS_KEY}`,
    certs: `${namespace}${CERTS_KEY}`,
    maintenance: `${namespace}${MAINTENANCE_KEY}`,
    internal: `${namespace}${INTERNAL_APPS_KEY}`,
  };
}

/** `Host` → the lower-case hostname without its port; undefined when it is no plausible hostname. */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.toLowerCase().replace(/:\d*$/, "").replace(/\.$/, "");
  return /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/.test(name) ? name : undefined;
}

interface Snapshot {
  apps: Set<string>;
  routes: Map<string, AppRoute>;
  domains: Map<string, string>;
  maintenance: Set<string>;
  internal: Set<string>;
  /** Hostname (or `*.parent`) → certificate. */
  certs: Map<string, TlsCertificate>;
}

const empty = (): Snapshot => ({ apps: new Set(), routes: new Map(), domains: new Map(), maintenance: new Set(), internal: new Set(), certs: new Map() });

export function createRouteTable(opts: {
  namespace?: string;
  domain?: string;
  log?: (line: string) => void;
  /** Called for each dyno a reload took out of the table (its idle pooled connections can go). */
  onRemoved?: (backend: Backend) => void;
} = {}) {
  const keys = routeKeys(opts.namespace);
  const suffix = `.${(opts.domain ?? "localhost").toLowerCase()}`;
  let now = empty();
  let backends = new Map<string, Backend>();
  /** Parsed certificates by their stored JSON: an unchanged one keeps its object (and its TLS context). */
  let parsedCerts = new Map<string, TlsCertificate>();

  function backendFor(entry: { address: string; host: string; port: number; dyno: string }, next: Map<string, Backend>): Backend {
    const backend = next.get(entry.address) ?? backends.get(entry.address) ?? { ...entry, inFlight: 0, setAsideUntil: 0 };
    backend.dyno = entry.dyno;
    next.set(entry.address, backend);
    return backend;
  }

  return {
    keys,
    async load(redis: Redis): Promise<void> {
      const replies = await redis
        .multi()
        .smembers(keys.apps)
        .hgetall(keys.routes)
        .hgetall(keys.domains)
        .hgetall(keys.certs)
        .smembers(keys.maintenance)
        .smembers(keys.internal)
        .exec();
      const [apps, routes, domains, certs, maintenance, internal] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return value;
      }) as [string[], Record<string, string>, Record<string, string>, Record<string, string>, string[], string[]];

      const nextBackends = new Map<string, Backend>();
      const nextRoutes = new Map<string, AppRoute>();
      for (const [app, json] of Object.entries(routes)) {
        const route = now.routes.get(app) ?? { app, backends: [], inFlight: 0 };
        route.backends = parseRouteEntries(json).map((entry) => backendFor(entry, nextBackends));
        nextRoutes.set(app, route);
      }
      const nextCerts = new Map<string, TlsCertificate>();
      const byHostname = new Map<string, TlsCertificate>();
      for (const [id, json] of Object.entries(certs)) {
        const cert = parsedCerts.get(json) ?? parseCertificate(json);
        if (!cert) {
          opts.log?.(`router: certificate ${id} is malformed, left out`);
          continue;
        }
        nextCerts.set(json, cert);
        for (const name of cert.hostnames) byHostname.set(name.toLowerCase(), cert);
      }
      if (opts.onRemoved) for (const [address, backend] of backends) if (!nextBackends.has(address)) opts.onRemoved(backend);
      backends = nextBackends;
      parsedCerts = nextCerts;
      now = {
        apps: new Set(apps),
        routes: nextRoutes,
        domains: new Map(Object.entries(domains).map(([host, app]) => [host.toLowerCase(), app])),
        maintenance: new Set(maintenance),
        internal: new Set(internal),
        certs: byHostname,
      };
    },

    /** The app a hostname (from hostnameOf) names: `<app>.<domain>` or a custom domain; never an internal app. */
    appFor(hostname: string): string | undefined {
      let app: string | undefined;
      if (hostname.endsWith(suffix)) {
        const name = hostname.slice(0, -suffix.length);
        if (now.apps.has(name) || now.routes.has(name)) app = name;
      }
      app ??= matchHostname(hostname, now.domains);
      return app === undefined || now.internal.has(app) ? undefined : app;
    },

    /** The app's route; its backends are empty when it has no web dyno up. */
    route(app: string): AppRoute {
      return now.routes.get(app) ?? { app, backends: [], inFlight: 0 };
    },

    inMaintenance(app: string): boolean {
      return now.maintenance.has(app);
    },

    /** The certificate for a TLS server name (SNI), exact first, then the nearest wildcard. */
    certificate(servername: string): TlsCertificate | undefined {
      return matchHostname(servername.toLowerCase(), now.certs);
    },
  };
}

function parseCertificate(json: string): TlsCertificate | undefined {
  try {
    const parsed = TlsCertificate.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type RouteTable = ReturnType<typeof createRouteTable>;

/** The router tells an unknown host (404) from an app without dynos (503) by this set. */
export async function announceApps(redis: Redis, change: { add?: string; remove?: string }, opts: { namespace?: string } = {}): Promise<void> {
  const keys = routeKeys(opts.namespace);
  if (change.add) await redis.sadd(keys.apps, change.add);
  if (change.remove) await redis.srem(keys.apps, change.remove);
  await redis.publish(keys.appsChannel, change.add ?? change.remove ?? "");
}

/** Makes the set match the apps that exist (at API start). */
export async function resetApps(redis: Redis, names: string[], opts: { namespace?: string } = {}): Promise<void> {
  const keys = routeKeys(opts.namespace);
  const tx = redis.multi().del(keys.apps);
  if (names.length) tx.sadd(keys.apps, ...names);
  await tx.publish(keys.appsChannel, "").exec();
}
