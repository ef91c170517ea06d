// The dyno manager's side of the route table: which up web dynos serve an app.
import type { Redis } from "ioredis";
import { ROUTES_CHANNEL, ROUTES_KEY } from "../router/index.ts";

export async function publishRoutes(redis: Redis, app: string, backends: string[]): Promise<void> {
  const value = JSON.stringify([...backends].sort());
  const current = await redis.hget(ROUTES_KEY, app);
  if (backends.length === 0 && current === null) return;
  if (current === value) return;
  if (backends.length === 0) await redis.hdel(ROUTES_KEY, app);
  else await redis.hset(ROUTES_KEY, app, value);
  await redis.publish(ROUTES_CHANNEL, app);
}
