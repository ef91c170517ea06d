// The route table against the platform's real Redis, in a namespace of its own: the live
// `ouro:*` keys are never read or written here. Values are written as their writers write them
// (publishRoutes for the dyno manager's routes; the route contract's shapes for the API's keys).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRoutes } from "../../platform/dynos/routes.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import type { TlsCertificate } from "../../platform/lib/route-contract.ts";
import { formatRouteEntries, parseRouteEntries } from "../../platform/router/route-entries.ts";
import { APPS_KEY, ROUTES_KEY, announceApps, createRouteTable, hostnameOf, resetApps, routeKeys } from "../../platform/router/table.ts";

describe("route table (real Redis, own namespace)", () => {
  const namespace = `test-router-${randomBytes(4).toString("hex")}:`;
  const keys = routeKeys(namespace);
  let redis: Redis;
  let events: Redis;

  async function loaded() {
    const table = createRouteTable({ namespace, domain: "localhost" });
    await table.load(redis);
    return table;
  }
  const addresses = (table: Awaited<ReturnType<typeof loaded>>, app: string) => table.route(app).backends.map((b) => `${b.dyno}@${b.address}`);

  beforeAll(async () => {
    redis = new Redis(redisUrl(loadConfig()));
    events = new Redis(redisUrl(loadConfig()));
    await events.subscribe(keys.appsChannel);
  });

  afterAll(async () => {
    await redis?.del(...Object.values(keys));
    redis?.disconnect();
    events?.disconnect();
  });

  it("puts every key and channel under the namespace", () => {
    for (const name of Object.values(keys)) expect(name.startsWith(namespace)).toBe(true);
    expect(keys.apps).toBe(`${namespace}${APPS_KEY}`);
    expect(keys.routes).toBe(`${namespace}${ROUTES_KEY}`);
    expect(routeKeys()).toMatchObject({ apps: APPS_KEY, routes: ROUTES_KEY, domains: "ouro:domains", certs: "ouro:certs" });
  });

  it("finds an app by <app>.<domain> only when it exists or has dynos", async () => {
    await resetApps(redis, ["idle", "busy"], { namespace });
    await publishRoutes(redis, "busy", [{ address: "10.0.0.1:5000", dyno: "web.1" }], namespace);
    await publishRoutes(redis, "unannounced", ["10.0.0.2:5000"], namespace);
    const table = await loaded();
    expect(table.appFor("nosuchapp.localhost")).toBeUndefined();
    expect(table.appFor("idle.localhost")).toBe("idle");
    expect(table.route("idle").backends).toEqual([]);
    expect(addresses(table, "busy")).toEqual(["web.1@10.0.0.1:5000"]);
    // Routed even before it is announced; an old bare entry is named by its address.
    expect(table.appFor("unannounced.localhost")).toBe("unannounced");
    expect(addresses(table, "unannounced")).toEqual(["10.0.0.2:5000@10.0.0.2:5000"]);
    expect(table.appFor("busy.example.test")).toBeUndefined();
  });

  it("sees only its own namespace", async () => {
    const other = `${namespace}other:`;
    await resetApps(redis, ["elsewhere"], { namespace: other });
    await publishRoutes(redis, "elsewhere-web", ["10.0.0.8:5000"], other);
    try {
      const table = await loaded();
      expect(table.appFor("elsewhere.localhost")).toBeUndefined();
      expect(table.appFor("elsewhere-web.localhost")).toBeUndefined();
    } finally {
      await redis.del(routeKeys(other).apps, routeKeys(other).routes);
    }
  });

  it("keeps a backend's object (and its load) across reloads, and follows removals", async () => {
    await announceApps(redis, { add: "gone" }, { namespace });
    await publishRoutes(redis, "gone", [{ address: "10.0.0.9:5000", dyno: "web.1" }, { address: "10.0.0.10:5000", dyno: "web.2" }], namespace);
    const table = await loaded();
    const first = table.route("gone").backends.find((b) => b.dyno === "web.1")!;
    first.inFlight = 3;
    await publishRoutes(redis, "gone", [{ address: "10.0.0.9:5000", dyno: "web.1" }], namespace);
    await table.load(redis);
    expect(table.route("gone").backends).toEqual([first]);
    expect(first.inFlight).toBe(3);
    await publishRoutes(redis, "gone", [], namespace);
    await table.load(redis);
    expect(table.route("gone").backends).toEqual([]);
    await announceApps(redis, { remove: "gone" }, { namespace });
    await table.load(redis);
    expect(table.appFor("gone.localhost")).toBeUndefined();
  });

  it("loads every other app when one app's entry is malformed", async () => {
    await redis.hset(keys.routes, "broken", "not json");
    await redis.hset(keys.routes, "odd", JSON.stringify(["10.0.0.1", 42, "10.0.0.4:5000", "10.0.0.5:http", "10.0.0.6:70000", { dyno: "web.9" }, { address: "10.0.0.7:5000", dyno: "bad name" }]));
    await publishRoutes(redis, "fine", ["10.0.0.7:5000"], namespace);
    const table = await loaded();
    expect(addresses(table, "fine")).toEqual(["10.0.0.7:5000@10.0.0.7:5000"]);
    expect(table.route("broken").backends).toEqual([]);
    expect(addresses(table, "odd")).toEqual(["10.0.0.4:5000@10.0.0.4:5000", "10.0.0.7:5000@10.0.0.7:5000"]);
    await redis.hdel(keys.routes, "broken", "odd");
  });

  it("reads custom domains (exact, then wildcard), maintenance mode and internal apps", async () => {
    await resetApps(redis, ["shop", "blog", "addon-provider"], { namespace });
    await redis.hset(keys.domains, "www.example.test", "shop", "*.example.test", "blog", "api.provider.test", "addon-provider");
    await redis.sadd(keys.maintenance, "blog");
    await redis.sadd(keys.internal, "addon-provider");
    const table = await loaded();
    expect(table.appFor("www.example.test")).toBe("shop");
    expect(table.appFor("news.example.test")).toBe("blog");
    expect(table.appFor("example.test")).toBeUndefined();
    expect(table.inMaintenance("blog")).toBe(true);
    expect(table.inMaintenance("shop")).toBe(false);
    expect(table.appFor("api.provider.test")).toBeUndefined();
    expect(table.appFor("addon-provider.localhost")).toBeUndefined();
    await redis.del(keys.domains, keys.maintenance, keys.internal);
  });

  it("reads certificates by hostname, leaves malformed ones out, and keeps an unchanged one's object", async () => {
    const cert = (app: string, hostnames: string[]): TlsCertificate => ({ app, certificate: "PEM", key: "PEM", hostnames });
    await redis.hset(keys.certs, "c1", JSON.stringify(cert("shop", ["www.example.test", "*.shop.test"])), "c2", "{\"app\":1}", "c3", "nope");
    const logged: string[] = [];
    const table = createRouteTable({ namespace, log: (line) => logged.push(line) });
    await table.load(redis);
    const www = table.certificate("WWW.example.test");
    expect(www?.app).toBe("shop");
    expect(table.certificate("a.shop.test")).toBe(www);
    expect(table.certificate("shop.test")).toBeUndefined();
    expect(logged).toHaveLength(2);
    await table.load(redis);
    expect(table.certificate("www.example.test")).toBe(www);
    await redis.del(keys.certs);
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

describe("route entries and hostnames (pure)", () => {
  it("writes entries sorted, names kept, and reads old bare addresses too", () => {
    const json = formatRouteEntries([{ address: "10.0.0.2:5000", dyno: "web.2" }, "10.0.0.1:5000"]);
    expect(JSON.parse(json)).toEqual(["10.0.0.1:5000", { address: "10.0.0.2:5000", dyno: "web.2" }]);
    expect(parseRouteEntries(json)).toEqual([
      { address: "10.0.0.1:5000", host: "10.0.0.1", port: 5000, dyno: "10.0.0.1:5000" },
      { address: "10.0.0.2:5000", host: "10.0.0.2", port: 5000, dyno: "web.2" },
    ]);
    expect(formatRouteEntries([{ address: "b:1", dyno: "web.2" }, { address: "a:1", dyno: "web.1" }])).toBe(formatRouteEntries([{ address: "a:1", dyno: "web.1" }, { address: "b:1", dyno: "web.2" }]));
  });

  it.each([
    ["app.localhost", "app.localhost"],
    ["App.LocalHost:8080", "app.localhost"],
    ["www.example.test:", "www.example.test"],
    ["www.example.test.:443", "www.example.test"],
    [undefined, undefined],
    ["", undefined],
    ["a b.example.test", undefined],
    ["<b>.example.test", undefined],
    ["[::1]:8080", undefined],
    ["-leading.example.test", undefined],
  ])("hostnameOf(%j) is %j", (host, expected) => {
    expect(hostnameOf(host)).toBe(expected);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
