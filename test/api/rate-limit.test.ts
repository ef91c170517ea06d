// The API's rate limit through the real API (in-process, on a throwaway database, the platform's
// Redis) with an allowance of 10 requests an hour and a clock the test moves: every answer says
// what is left, the 11th request is refused with 429 and when to come back, the bucket refills
// steadily, each user has a bucket of their own, requests sent together cannot take more than
// the bucket holds, and an API restarted keeps the count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitsFromEnv } from "../../platform/api/limits.ts";
import { rateLimitKey } from "../../platform/api/rate-limit.ts";
import { type User, createApiKey, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";

const PER_HOUR = 10;
const REFILL_S = 3600 / PER_HOUR;

describe("the API rate limit", () => {
  let api: InProcessApi;
  const users: User[] = [];
  let now = new Date("2026-06-01T12:00:00Z");
  /** Another API process on the same database and Redis. */
  const listen = async () => (await api.listen()).url;
  async function newUser(name: string): Promise<string> {
    const user = await ensureUser(api.db, `${name}@ratelimit.test`);
    users.push(user);
    return createApiKey(api.db, user.id);
  }
  async function get(url: string, key: string) {
    const res = await fetch(`${url}/account`, { headers: { Authorization: `Bearer ${key}`, Accept: "application/vnd.heroku+json; version=3" } });
    const body = (await res.json()) as { id?: string; message?: string };
    return { status: res.status, remaining: res.headers.get("ratelimit-remaining"), retryAfter: res.headers.get("retry-after"), body };
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_ratelimit_test", clock: () => now, limits: { requestsPerHour: PER_HOUR } });
  });
  afterAll(async () => {
    if (users.length > 0) await api?.deps.redis.del(...users.map((u) => rateLimitKey(u.id)));
    await api?.close();
  });

  it("counts down in RateLimit-Remaining, refuses the 11th with 429 and Retry-After, and refills one request per 360 s", async () => {
    const url = await listen();
    const key = await newUser("first");
    const remaining: (string | null)[] = [];
    for (let i = 0; i < PER_HOUR; i++) {
      const answer = await get(url, key);
      expect(answer.status).toBe(200);
      remaining.push(answer.remaining);
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);

    const refused = await get(url, key);
    expect(refused).toMatchObject({ status: 429, remaining: "0", retryAfter: String(REFILL_S), body: { id: "rate_limit" } });
    expect(refused.body.message).toBe(
      `Your account reached the API rate limit of ${PER_HOUR} requests an hour. The next request fits in ${REFILL_S} s; the whole allowance refills in an hour.`,
    );

    now = new Date(now.getTime() + (REFILL_S - 60) * 1000);
    expect(await get(url, key)).toMatchObject({ status: 429, retryAfter: "60" });
    now = new Date(now.getTime() + 60 * 1000);
    expect(await get(url, key)).toMatchObject({ status: 200, remaining: "0" });
    expect((await get(url, key)).status).toBe(429);

    // A full hour refills the whole bucket, and never more than it holds.
    now = new Date(now.getTime() + 3 * 3600 * 1000);
    expect(await get(url, key)).toMatchObject({ status: 200, remaining: String(PER_HOUR - 1) });
  });

  it("gives each user a bucket of their own: a second user's key is not refused when the first one's is", async () => {
    const url = await listen();
    const first = await newUser("busy");
    const second = await newUser("quiet");
    for (let i = 0; i < PER_HOUR; i++) await get(url, first);
    expect((await get(url, first)).status).toBe(429);
    expect(await get(url, second)).toMatchObject({ status: 200, remaining: String(PER_HOUR - 1) });
  });

  it("lets 10 of 25 requests sent together through, whichever API process answers them, and a restarted API keeps the count", async () => {
    const [one, two] = [await listen(), await listen()];
    const key = await newUser("together");
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => get(i % 2 === 0 ? one : two, key)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(PER_HOUR);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(25 - PER_HOUR);

    const restarted = await listen();
    expect((await get(restarted, key)).status).toBe(429);
  });

  it("is read from OURO_API_RATE_LIMIT: 4500 an hour by default (Heroku's), a bad value stops the API with a message", () => {
    expect(limitsFromEnv({}).requestsPerHour).toBe(4500);
    expect(limitsFromEnv({ OURO_API_RATE_LIMIT: "100000" }).requestsPerHour).toBe(100_000);
    for (const value of ["0", "-5", "1.5", "lots", "2000000"]) {
      expect(() => limitsFromEnv({ OURO_API_RATE_LIMIT: value })).toThrow(/OURO_API_RATE_LIMIT must be/);
    }
  });
});
