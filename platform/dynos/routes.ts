// The dyno manager's side of the route table: which up web dynos serve an app.
import type { Redis } from "ioredis";
import { routeKeys } from "../router/index.ts";

/** `namespace` keeps a test's routes apart from the live platform's (the router's own option). */
export async function publishRoutes(redis: Redis, app: string, backends: string[], namespace = ""): Promise<void> {
  const keys = routeKeys(namespace);
  const value = JSON.stringify([...backends].sort());
  const current = await redis.hget(keys.routes, app);
  if (backends.length === 0 && current === null) return;
  if (current === value) return;
  if (backends.length === 0) await redis.hdel(keys.routes, app);
  else await redis.hset(keys.routes, app, value);
  await redis.publish(keys.routesChannel, app);
}
