// The dyno manager's side of the route table: which up web dynos serve an app.
import type { Redis } from "ioredis";
import { type RouteEntry, formatRouteEntries, routeKeys } from "../router/index.ts";

/**
 * Writes the app's up web dynos: each `{ address: "ip:port", dyno: "web.1" }` (the name is what
 * the router's log lines show), or a bare "ip:port" as before. `namespace` keeps a test's routes
 * apart from the live platform's (the router's own option).
 */
export async function publishRoutes(redis: Redis, app: string, backends: readonly (string | RouteEntry)[], namespace = ""): Promise<void> {
  const keys = routeKeys(namespace);
  const value = formatRouteEntries(backends);
  const current = await redis.hget(keys.routes, app);
  if (backends.length === 0 && current === null) return;
  if (current === value) return;
  if (backends.length === 0) await redis.hdel(keys.routes, app);
  else await redis.hset(keys.routes, app, value);
  await redis.publish(keys.routesChannel, app);
}
