// The kernel's Redis as bootstrap set it up: the builder's and cron's users reach only their own
// queue's keys and no channel at all, so nothing they (or a tenant who stole their password)
// can publish moves the dyno manager or the router; it has a memory ceiling at which nothing
// is evicted (not BullMQ's locks, not the route table), and what tenants write expires. No
// other user: the add-ons' admin and users are on the add-on Redis (test/bootstrap/addon-datastores.test.ts).
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendLog } from "../../platform/logs/index.ts";
import { FORMATION_CHANNEL, RESTART_CHANNEL, ROUTES_CHANNEL, ROUTES_KEY } from "../../platform/lib/channels.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { uniqueName } from "../support/platform.ts";

const config = loadConfig();
const asUser = (user: string, password: string) =>
  new Redis({ host: "127.0.0.1", port: config.redisPort, username: user, password, lazyConnect: true, maxRetriesPerRequest: 0 });

describe("the kernel's Redis users and memory", () => {
  const kernel = new Redis(redisUrl(config));
  const users = {
    builder: { password: config.secrets.builderRedisPassword, queue: "bull:builds" },
    cron: { password: config.secrets.cronRedisPassword, queue: "bull:cron" },
  };
  const clients: Redis[] = [];
  beforeAll(async () => {
    for (const [user, { password }] of Object.entries(users)) {
      const client = asUser(user, password);
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(() => {
    for (const client of [kernel, ...clients]) client.disconnect();
  });

  it("has no user but default, builder and cron: the add-ons' admin and users live on the add-on Redis", async () => {
    expect(((await kernel.call("ACL", "USERS")) as string[]).sort()).toEqual(["builder", "cron", "default"]);
    await expect(asUser("ouro_addons", config.secrets.addonsRedisPassword).ping()).rejects.toThrow(/WRONGPASS/);
  });

  it.each(Object.keys(users))("lets %s publish on no channel: not the dyno manager's, not the router's, not any", async (user) => {
    const client = clients[Object.keys(users).indexOf(user)]!;
    for (const channel of [RESTART_CHANNEL, FORMATION_CHANNEL, ROUTES_CHANNEL, "anything"]) {
      await expect(client.publish(channel, "hello"), channel).rejects.toThrow(/NOPERM/);
    }
    await expect(client.subscribe(RESTART_CHANNEL)).rejects.toThrow(/NOPERM/);
  });

  it.each(Object.entries(users))("lets %s reach its own queue's keys and nothing else", async (user, { queue }) => {
    const client = clients[Object.keys(users).indexOf(user)]!;
    const own = `${queue}:${uniqueName("probe")}`;
    expect(await client.set(own, "1", "EX", 60)).toBe("OK");
    await client.del(own);
    for (const key of [ROUTES_KEY, "ouro:logs:builder", user === "builder" ? "bull:cron:id" : "bull:builds:id"]) {
      await expect(client.get(key), key).rejects.toThrow(/NOPERM/);
    }
    await expect(client.call("ACL", "LIST")).rejects.toThrow(/NOPERM/);
  });

  it("evicts nothing at its ceiling; app logs expire, the queue and the route table do not", async () => {
    expect(await kernel.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
    expect(Number((await kernel.config("GET", "maxmemory"))[1])).toBeGreaterThan(0);
    const app = uniqueName("ttl");
    await appendLog(kernel, app, { source: "app", dyno: "web.1", line: "hello" });
    try {
      expect(await kernel.ttl(`ouro:logs:${app}`)).toBeGreaterThan(24 * 3600);
    } finally {
      await kernel.del(`ouro:logs:${app}`);
    }
    // -1: the key exists and never expires (bootstrap's pushes made the queue's keys).
    for (const key of [ROUTES_KEY, "bull:builds:meta", "bull:builds:events"]) expect(await kernel.ttl(key), key).toBe(-1);
  });
});
