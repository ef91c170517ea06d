// The router's in-memory view of Redis: which apps exist and which web dynos
// serve each. Reloaded whenever the dyno manager or the API announce a change.
import type { Redis } from "ioredis";

export const APPS_KEY = "ouro:apps";
export const APPS_CHANNEL = "ouro:apps:changed";
export const ROUTES_KEY = "ouro:routes";
export const ROUTES_CHANNEL = "ouro:routes:changed";

export interface Backend {
  host: string;
  port: number;
}

export function createRouteTable() {
  let apps = new Set<string>();
  let routes = new Map<string, Backend[]>();
  const next = new Map<string, number>();

  return {
    async load(redis: Redis) {
      const [members, hash] = await Promise.all([redis.smembers(APPS_KEY), redis.hgetall(ROUTES_KEY)]);
      apps = new Set(members);
      routes = new Map(
        Object.entries(hash).map(([app, json]) => [
          app,
          (JSON.parse(json) as string[]).map((b) => {
            const [host, port] = b.split(":");
            return { host: host!, port: Number(port) };
          }),
        ]),
      );
    },
    /** undefined: no such app; []: the app has no up web dyno. Round-robin otherwise. */
    pick(app: string): Backend[] | undefined {
      const backends = routes.get(app);
      if (!backends?.length) return apps.has(app) || backends ? [] : undefined;
      const start = next.get(app) ?? 0;
      next.set(app, (start + 1) % backends.length);
      return [...backends.slice(start % backends.length), ...backends.slice(0, start % backends.length)];
    },
  };
}

export type RouteTable = ReturnType<typeof createRouteTable>;

/** The router tells an unknown host (404) from an app without dynos (503) by this set. */
export async function announceApps(redis: Redis, change: { add?: string; remove?: string }): Promise<void> {
  if (change.add) await redis.sadd(APPS_KEY, change.add);
  if (change.remove) await redis.srem(APPS_KEY, change.remove);
  await redis.publish(APPS_CHANNEL, change.add ?? change.remove ?? "");
}

/** Makes the set match the apps that exist (at API start). */
export async function resetApps(redis: Redis, names: string[]): Promise<void> {
  const tx = redis.multi().del(APPS_KEY);
  if (names.length) tx.sadd(APPS_KEY, ...names);
  await tx.publish(APPS_CHANNEL, "").exec();
}
