// The router's in-memory view of Redis: which apps exist and which web dynos
// serve each. Reloaded whenever the dyno manager or the API announce a change.
import type { Redis } from "ioredis";
import { APPS_CHANNEL, APPS_KEY, ROUTES_CHANNEL, ROUTES_KEY } from "../lib/channels.ts";

export { APPS_CHANNEL, APPS_KEY, ROUTES_CHANNEL, ROUTES_KEY };

export interface Backend {
  host: string;
  port: number;
}

/** Where the table lives in Redis. A namespace prefixes every name, so a test never touches the live table. */
export interface RouteKeys {
  apps: string;
  appsChannel: string;
  routes: string;
  routesChannel: string;
}

export function routeKeys(namespace = ""): RouteKeys {
  return {
    apps: `${namespace}${APPS_KEY}`,
    appsChannel: `${namespace}${APPS_CHANNEL}`,
    routes: `${namespace}${ROUTES_KEY}`,
    routesChannel: `${namespace}${ROUTES_CHANNEL}`,
  };
}

/** `"10.0.0.5:5000"` → a backend; undefined for anything else. */
function parseBackend(text: unknown): Backend | undefined {
  if (typeof text !== "string") return undefined;
  const cut = text.lastIndexOf(":");
  const port = Number(text.slice(cut + 1));
  if (cut <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: text.slice(0, cut), port };
}

/** One app's entry; a malformed one means no dyno to send to, never a table that fails to load. */
function parseBackends(json: string): Backend[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(list) ? list.map(parseBackend).filter((b): b is Backend => b !== undefined) : [];
}

export function createRouteTable(opts: { namespace?: string } = {}) {
  const keys = routeKeys(opts.namespace);
  let apps = new Set<string>();
  let routes = new Map<string, Backend[]>();
  const next = new Map<string, number>();

  return {
    keys,
    async load(redis: Redis) {
      const [members, hash] = await Promise.all([redis.smembers(keys.apps), redis.hgetall(keys.routes)]);
      apps = new Set(members);
      routes = new Map(Object.entries(hash).map(([app, json]) => [app, parseBackends(json)]));
      for (const app of next.keys()) if (!routes.has(app)) next.delete(app);
    },
    /** undefined: no such app; []: the app has no up web dyno. Otherwise every backend, the next in turn first. */
    pick(app: string): Backend[] | undefined {
      const backends = routes.get(app);
      if (!backends?.length) return apps.has(app) || backends ? [] : undefined;
      const start = (next.get(app) ?? 0) % backends.length;
      next.set(app, (start + 1) % backends.length);
      return [...backends.slice(start), ...backends.slice(0, start)];
    },
  };
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
