// Route changes reach a running router through their change events, without a restart: the dyno
// manager's own publishRoutes and the contract's keys written to Redis, the router following the
// namespace's channels (follow.ts), and requests through it. The periodic reload is an hour
// apart here, so only the event can have brought a change. (How fast is bench:router's to say.)
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
    following = await followRouteChanges({ table: r.table, redis: r.redis, events, log: (line) => logged.push(line), everyMs: 3_600_000 });
  });
  afterEach(() => r.closeDynos());
  afterAll(async () => {
    following.stop();
    events.disconnect();
    await r.close();
  });

  /** True once the router serves as `served` says after `change` (looking every 10 ms, for 10 s at most). */
  async function servedAfter(change: () => Promise<unknown>, served: () => Promise<boolean>): Promise<boolean> {
    await change();
    return waitFor("the change to be served", async () => (await served()) || undefined, 10_000);
  }

  it("serves a new dyno, then a replaced one, as soon as the dyno manager writes it", async () => {
    const name = await r.app([]);
    const one = await r.dyno("web.1");
    const two = await r.dyno("web.2");
    const servedBy = async (dyno: string) => {
      const res = await r.request({ host: `${name}.localhost` });
      return res.status === 200 && seenBy(res).dyno === dyno;
    };
    expect(await servedAfter(() => publishRoutes(r.redis, name, [one.entry], r.namespace), () => servedBy("web.1"))).toBe(true);
    expect(await servedAfter(() => publishRoutes(r.redis, name, [two.entry], r.namespace), () => servedBy("web.2"))).toBe(true);
    // Only web.2 from now on.
    for (let i = 0; i < 5; i++) expect(await servedBy("web.2")).toBe(true);
  });

  it("applies a custom domain and maintenance mode as soon as the API writes them", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const status = async (host: string) => (await r.request({ host })).status;
    const announce = () => r.redis.publish(r.keys.routesChannel, name);
    expect(
      await servedAfter(
        async () => {
          await r.redis.hset(r.keys.domains, "follow.example.test", name);
          await announce();
        },
        async () => (await status("follow.example.test")) === 200,
      ),
    ).toBe(true);
    expect(
      await servedAfter(
        async () => {
          await r.redis.sadd(r.keys.maintenance, name);
          await announce();
        },
        async () => (await status(`${name}.localhost`)) === 503,
      ),
    ).toBe(true);
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
