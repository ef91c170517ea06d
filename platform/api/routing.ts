// The API's side of the route contract (platform/lib/route-contract.ts): after each change to an
// app's domains, certificates or maintenance mode it rewrites that app's entries from the
// database and announces them on ROUTES_CHANNEL; at start it rewrites every entry, so Redis
// never drifts from PostgreSQL for longer than an API restart.
import type { Redis } from "ioredis";
import { ADDON_SERVICES } from "../addons/index.ts";
import { type Db, type RoutingFacts, listRoutingFacts } from "../db/index.ts";
import type { TlsCertificate } from "../lib/route-contract.ts";
import { routeKeys } from "../router/index.ts";
import { assignCertificates } from "./cert-assignment.ts";

/** The add-on providers: their API is the kernel's, never the public router's. */
export const internalApps = () => [...new Set(Object.values(ADDON_SERVICES).map((service) => service.app))].sort();

export interface RoutingEntries {
  /** hostname → app */
  domains: Record<string, string>;
  /** certificate id → JSON TlsCertificate, `app` first (the rewrite below finds an app's by that prefix). */
  certs: Record<string, string>;
  maintenance: string[];
}

/** The route-contract entries for these facts; a certificate lists the app's domains it serves. */
export function routingEntries(facts: RoutingFacts): RoutingEntries {
  const domains = Object.fromEntries(facts.domains.map((d) => [d.hostname, d.app]));
  const certs: Record<string, string> = {};
  for (const app of new Set(facts.certificates.map((c) => c.app_id))) {
    const mine = facts.certificates.filter((c) => c.app_id === app);
    const served = assignCertificates(facts.domains.filter((d) => d.app_id === app), mine);
    for (const cert of mine) {
      const hostnames = facts.domains.filter((d) => served.get(d.id) === cert.id).map((d) => d.hostname).sort();
      const entry: TlsCertificate = { app: cert.app, certificate: cert.certificate_chain, key: cert.private_key, hostnames };
      certs[cert.id] = JSON.stringify(entry);
    }
  }
  return { domains, certs, maintenance: [...facts.maintenance].sort() };
}

// Replaces one app's entries atomically, so the router never loads half a change: its old
// domains (by value) and certificates (by the `{"app":<name>,` prefix) go, its new ones come.
const REPLACE_APP = `
local app, prefix = ARGV[1], ARGV[2]
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do if all[i + 1] == app then redis.call('HDEL', KEYS[1], all[i]) end end
all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do if string.sub(all[i + 1], 1, #prefix) == prefix then redis.call('HDEL', KEYS[2], all[i]) end end
for hostname, owner in pairs(cjson.decode(ARGV[3])) do redis.call('HSET', KEYS[1], hostname, owner) end
for id, entry in pairs(cjson.decode(ARGV[4])) do redis.call('HSET', KEYS[2], id, entry) end
if ARGV[5] == '1' then redis.call('SADD', KEYS[3], app) else redis.call('SREM', KEYS[3], app) end
redis.call('PUBLISH', ARGV[6], app)
return 1`;

export interface RoutingPublisher {
  /** Rewrites the entries of the app named `app` as the database has them now (none once it is deleted). */
  publishApp(app: string): Promise<void>;
  /** Rewrites every entry, and the internal apps (at API start). */
  resetAll(): Promise<void>;
}

export function createRoutingPublisher(deps: { db: Db; redis: Redis; namespace?: string }): RoutingPublisher {
  // The router's own names, each prefixed by `namespace` (a test's never touch the live ones).
  const keys = routeKeys(deps.namespace);
  // One rewrite of an app at a time, each reading the database when its turn comes: the last
  // one always sees the last change, whatever order concurrent requests commit in.
  const queues = new Map<string, Promise<void>>();

  async function replaceApp(app: string): Promise<void> {
    const entries = routingEntries(await listRoutingFacts(deps.db, app));
    await deps.redis.eval(
      REPLACE_APP,
      3,
      keys.domains,
      keys.certs,
      keys.maintenance,
      app,
      `{"app":${JSON.stringify(app)},`,
      JSON.stringify(entries.domains),
      JSON.stringify(entries.certs),
      entries.maintenance.includes(app) ? "1" : "0",
      keys.routesChannel,
    );
  }

  return {
    publishApp(app) {
      const turn = (queues.get(app) ?? Promise.resolve()).then(() => replaceApp(app));
      // What the next turn waits on never rejects: a failed rewrite is this caller's error only.
      const settled: Promise<void> = turn
        .catch(() => {})
        .then(() => {
          if (queues.get(app) === settled) queues.delete(app);
        });
      queues.set(app, settled);
      return turn;
    },
    async resetAll() {
      const entries = routingEntries(await listRoutingFacts(deps.db));
      const tx = deps.redis.multi().del(keys.domains, keys.certs, keys.maintenance, keys.internal);
      if (Object.keys(entries.domains).length) tx.hset(keys.domains, entries.domains);
      if (Object.keys(entries.certs).length) tx.hset(keys.certs, entries.certs);
      if (entries.maintenance.length) tx.sadd(keys.maintenance, ...entries.maintenance);
      tx.sadd(keys.internal, ...internalApps());
      await tx.publish(keys.routesChannel, "").exec();
    },
  };
}
