// Heroku's rate limit: each user has a bucket of `requestsPerHour` requests that refills steadily
// (a whole bucket an hour), every request a user's keys make takes one, and every answer says how
// many are left in `RateLimit-Remaining`. An empty bucket answers 429 `rate_limit` with the
// seconds until the next request fits in `Retry-After`. The bucket lives in Redis, so an API
// restart does not refill it, and it is one script call: two requests at once cannot both take
// the last one.
import type { NextFunction, Request, Response } from "express";
import type { Redis } from "ioredis";
import { OuroError } from "../lib/errors.ts";
import { redisScript } from "../lib/redis-script.ts";

const HOUR_MS = 3_600_000;

// KEYS[1]: the user's bucket; ARGV: now (ms), capacity (requests an hour). The bucket counts in
// units of 1/3,600,000 of a request, so that a millisecond refills a whole number of them
// (capacity) and a request takes a whole number (3,600,000): integers, exact in Lua's doubles,
// where fractions of a request would round to "0.99999999" and refuse a request that fits.
// Returns {taken (0|1), units left}. The bucket expires when it would be full again, so an idle
// user's costs nothing.
const TAKE = `
local now = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local full = capacity * ${HOUR_MS}
local saved = redis.call('HMGET', KEYS[1], 'units', 'at')
local units = tonumber(saved[1]) or full
local at = tonumber(saved[2]) or now
if now > at then
  units = math.min(full, units + (now - at) * capacity)
  at = now
end
local taken = 0
if units >= ${HOUR_MS} then
  units = units - ${HOUR_MS}
  taken = 1
end
redis.call('HSET', KEYS[1], 'units', string.format('%d', units), 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((full - units) / capacity) + 1000)
return {taken, units}
`;

export interface RateLimitOptions {
  redis: Redis;
  requestsPerHour: number;
  clock?: () => Date;
}

const take = redisScript<[number, number]>("ouroRateLimitTake", TAKE, 1);

export const rateLimitKey = (userId: string) => `ouro:ratelimit:${userId}`;

/** Counts the signed-in user's request; after requireUser. */
export function rateLimit(opts: RateLimitOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const now = (opts.clock?.() ?? new Date()).getTime();
    const [taken, units] = await take(opts.redis, rateLimitKey(req.user!.id), now, opts.requestsPerHour);
    res.setHeader("RateLimit-Remaining", String(Math.floor(units / HOUR_MS)));
    if (taken === 1) return next();
    const seconds = Math.ceil((HOUR_MS - units) / opts.requestsPerHour / 1000);
    res.setHeader("Retry-After", String(seconds));
    throw new OuroError(
      429,
      "rate_limit",
      `Your account reached the API rate limit of ${opts.requestsPerHour} requests an hour. The next request fits in ${seconds} s; the whole allowance refills in an hour.`,
    );
  };
}
