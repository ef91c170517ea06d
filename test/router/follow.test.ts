// Route changes reach a running router within 100 ms, without a restart: the dyno manager's own
// publishRoutes and the contract's keys written to Redis, the router following the namespace's
// channels (follow.ts), and requests through it.
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publishRoutes } from "../../platform/dynos/routes.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { followRouteChanges } from "../../platform/router/follow.ts";
import { type Harness, seenBy, startRouter, waitFor } from "./harness.ts";

describe("following route changes (in-process router, real Redis pub/sub)", () => {
  let r: Harness;
  let events: Redis;
  let following: { stop: () => void };
  const logged: string[] = [];

  beforeAll(async () => {
    r = await startRouter();
    events = new Redis(redisUrl(loadConfig()));
    following = await followRouteChanges({ table: r.table, redis: r.redis, events, log: (line) => logged.push(line) });
  });
  afterEach(() => r.closeDynos());
  afterAll(async () => {
    following.stop();
    events.disconnect();
    await r.close();
  });

  /** How long after `change` resolves the router serves as `served` says (polling every ms). */
  async function msUntil(change: () => Promise<unknown>, served: () => Promise<boolean>): Promise<number> {
    await change();
    const started = performance.now();
    await waitFor("the change to be served", async () => (await served()) || undefined, 2_000);
    return performance.now() - started;
  }

  it("serves a new dyno, then a replaced one, within 100 ms of the dyno manager's write", async () => {
    const name = await r.app([]);
    const one = await r.dyno("web.1");
    const two = await r.dyno("web.2");
    const servedBy = async (dyno: string) => {
      const res = await r.request({ host: `${name}.localhost` });
      return res.status === 200 && seenBy(res).dyno === dyno;
    };
    expect(await msUntil(() => publishRoutes(r.redis, name, [one.entry], r.namespace), () => servedBy("web.1"))).toBeLessThan(100);
    expect(await msUntil(() => publishRoutes(r.redis, name, [two.entry], r.namespace), () => servedBy("web.2"))).toBeLessThan(100);
    // Only web.2 from now on.
    for (let i = 0; i < 5; i++) expect(await servedBy("web.2")).toBe(true);
  });

  it("applies a custom domain and maintenance mode within 100 ms of the API's write", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const status = async (host: string) => (await r.request({ host })).status;
    const announce = () => r.redis.publish(r.keys.routesChannel, name);
    expect(
      await msUntil(
        async () => {
          await r.redis.hset(r.keys.domains, "follow.example.test", name);
          await announce();
        },
        async () => (await status("follow.example.test")) === 200,
      ),
    ).toBeLessThan(100);
    expect(
      await msUntil(
        async () => {
          await r.redis.sadd(r.keys.maintenance, name);
          await announce();
        },
        async () => (await status(`${name}.localhost`)) === 503,
      ),
    ).toBeLessThan(100);
  });

  it("ends on the last state after a burst of change events, with no failed load", async () => {
    const name = await r.app([]);
    const dynos = await Promise.all(Array.from({ length: 5 }, (_, i) => r.dyno(`web.${i + 1}`)));
    await Promise.all(dynos.map((d) => publishRoutes(r.redis, name, [d.entry], r.namespace)));
    const last = await r.dyno("web.9");
    await publishRoutes(r.redis, name, [last.entry], r.namespace);
    await waitFor("the last state", async () => {
      const res = await r.request({ host: `${name}.localhost` });
      return (res.status === 200 && seenBy(res).dyno === "web.9") || undefined;
    });
    expect(logged.filter((line) => line.includes("failed"))).toEqual([]);
  });
});
