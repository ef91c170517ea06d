// A Lua script run as a command of its own: sent to Redis once, then run by its SHA (EVALSHA),
// as ioredis's defineCommand does, instead of sending its whole text with every call (EVAL) —
// for scripts on a hot path: a dyno's every log line, the API's every request.
import type { Redis } from "ioredis";

export function redisScript<T>(name: string, lua: string, numberOfKeys: number) {
  return (redis: Redis, ...args: (string | number)[]): Promise<T> => {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    return (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[name]!(...args);
  };
}
