// The route table against the platform's real Redis, in a namespace of its own: the live
// `ouro:apps` and `ouro:routes` are never read or written here.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { APPS_KEY, ROUTES_KEY, announceApps, createRouteTable, resetApps, routeKeys } from "../../platform/router/table.ts";

describe("route table (real Redis, own namespace)", () => {
  const namespace = `test-router-${randomBytes(4).toString("hex")}:`;
  const keys = routeKeys(namespace);
  let redis: Redis;
  let events: Redis;

  // What the dyno manager writes (platform/dynos/routes.ts): app → JSON list of "ip:port".
  const setRoutes = (app: string, backends: string[]) => redis.hset(keys.routes, app, JSON.stringify(backends));

  async function loaded() {
    const table = createRouteTable({ namespace });
    await table.load(redis);
    return table;
  }

  beforeAll(async () => {
    redis = new Redis(redisUrl(loadConfig()));
    events = new Redis(redisUrl(loadConfig()));
    await events.subscribe(keys.appsChannel);
  });

  afterAll(async () => {
    await redis?.del(keys.apps, keys.routes);
    redis?.disconnect();
    events?.disconnect();
  });

  it("puts every key and channel under the namespace", () => {
    expect(keys.apps).toBe(`${namespace}${APPS_KEY}`);
    expect(keys.routes).toBe(`${namespace}${ROUTES_KEY}`);
    expect(keys.appsChannel.startsWith(namespace)).toBe(true);
    expect(keys.routesChannel.startsWith(namespace)).toBe(true);
    expect(routeKeys()).toMatchObject({ apps: APPS_KEY, routes: ROUTES_KEY });
  });

  it("tells an unknown app (undefined) from an app without web dynos ([])", async () => {
    await resetApps(redis, ["idle", "busy"], { namespace });
    await setRoutes("busy", ["10.0.0.1:5000"]);
    const table = await loaded();
    expect(table.pick("nosuchapp")).toBeUndefined();
    expect(table.pick("idle")).toEqual([]);
    expect(table.pick("busy")).toEqual([{ host: "10.0.0.1", port: 5000 }]);
  });

  it("sees only its own namespace", async () => {
    const other = `${namespace}other:`;
    await resetApps(redis, ["elsewhere"], { namespace: other });
    await redis.hset(routeKeys(other).routes, "elsewhere-web", JSON.stringify(["10.0.0.8:5000"]));
    try {
      const table = await loaded();
      expect(table.pick("elsewhere")).toBeUndefined();
      expect(table.pick("elsewhere-web")).toBeUndefined();
    } finally {
      await redis.del(routeKeys(other).apps, routeKeys(other).routes);
    }
  });

  it("routes an app that has dynos even before it is announced", async () => {
    await setRoutes("unannounced", ["10.0.0.2:5000"]);
    expect((await loaded()).pick("unannounced")).toEqual([{ host: "10.0.0.2", port: 5000 }]);
  });

  it("gives every backend each time, starting one further along each pick (round-robin)", async () => {
    await setRoutes("rr", ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"]);
    const table = await loaded();
    const firsts = Array.from({ length: 6 }, () => table.pick("rr")!);
    expect(firsts.map((b) => b[0]!.host)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    expect(firsts[1]!.map((b) => b.host)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.1"]);
    for (const pick of firsts) expect(pick).toHaveLength(3);
  });

  it("keeps rotating over a smaller set after a reload", async () => {
    await setRoutes("shrink", ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"]);
    const table = await loaded();
    table.pick("shrink");
    table.pick("shrink");
    await setRoutes("shrink", ["10.0.0.1:5000", "10.0.0.2:5000"]);
    await table.load(redis);
    const hosts = Array.from({ length: 4 }, () => table.pick("shrink")![0]!.host);
    expect(new Set(hosts)).toEqual(new Set(["10.0.0.1", "10.0.0.2"]));
    expect(hosts[0]).not.toBe(hosts[1]);
  });

  it("follows a reload: removed dynos and removed apps are gone", async () => {
    await announceApps(redis, { add: "gone" }, { namespace });
    await setRoutes("gone", ["10.0.0.9:5000"]);
    const table = await loaded();
    expect(table.pick("gone")).toHaveLength(1);
    await redis.hdel(keys.routes, "gone");
    await table.load(redis);
    expect(table.pick("gone")).toEqual([]);
    await announceApps(redis, { remove: "gone" }, { namespace });
    await table.load(redis);
    expect(table.pick("gone")).toBeUndefined();
  });

  it("loads every other app when one app's entry is malformed", async () => {
    await redis.hset(keys.routes, "broken", "not json");
    await redis.hset(keys.routes, "odd", JSON.stringify(["10.0.0.1", 42, "10.0.0.4:5000", "10.0.0.5:http", "10.0.0.6:70000"]));
    await setRoutes("fine", ["10.0.0.7:5000"]);
    const table = await loaded();
    expect(table.pick("fine")).toEqual([{ host: "10.0.0.7", port: 5000 }]);
    expect(table.pick("broken")).toEqual([]);
    expect(table.pick("odd")).toEqual([{ host: "10.0.0.4", port: 5000 }]);
    await redis.hdel(keys.routes, "broken", "odd");
  });

  it("announces added and removed apps on the namespace's channel", async () => {
    const heard: string[] = [];
    const listener = (channel: string, message: string) => heard.push(`${channel} ${message}`);
    events.on("message", listener);
    try {
      await announceApps(redis, { add: "announced" }, { namespace });
      expect(await redis.sismember(keys.apps, "announced")).toBe(1);
      await announceApps(redis, { remove: "announced" }, { namespace });
      expect(await redis.sismember(keys.apps, "announced")).toBe(0);
      await resetApps(redis, ["a", "b"], { namespace });
      expect((await redis.smembers(keys.apps)).sort()).toEqual(["a", "b"]);
      await resetApps(redis, [], { namespace });
      expect(await redis.exists(keys.apps)).toBe(0);
      await waitFor(() => heard.length >= 4);
      expect(heard).toEqual([`${keys.appsChannel} announced`, `${keys.appsChannel} announced`, `${keys.appsChannel} `, `${keys.appsChannel} `]);
    } finally {
      events.off("message", listener);
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
