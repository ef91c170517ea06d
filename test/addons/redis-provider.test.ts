// apps/redis against a real redis-server (the test's own, with an aclfile as Ouro's has),
// its admin user holding exactly the ACL rule bootstrap gives it: each add-on's user reads
// and writes its own prefix and nothing else.
// Needs redis-server on PATH (bootstrap installs it).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisProvider } from "../../apps/redis/index.ts";
import { deprovisionOver, provisionOver, REDIS_ADMIN_RULES, serve, startRedis, type TestRedis } from "./support.ts";

const secret = "test-provider-secret";
const connect = (url: string) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });

describe("redis add-on provider", () => {
  let redis: TestRedis;
  let admin: Redis;
  let server: Awaited<ReturnType<typeof serve>>;
  const clients: Redis[] = [];
  const client = (url: string) => {
    const c = connect(url);
    c.on("error", () => {});
    clients.push(c);
    return c;
  };
  const a = randomUUID();
  const b = randomUUID();

  beforeAll(async () => {
    redis = await startRedis();
    const root = connect(`redis://default:${redis.rootPassword}@127.0.0.1:${redis.port}`);
    await root.call("ACL", "SETUSER", "ouro_addons", ">admin-pw", ...REDIS_ADMIN_RULES);
    await root.set("ouro:platform", "not for add-ons");
    await root.quit();
    admin = new Redis(`redis://ouro_addons:admin-pw@127.0.0.1:${redis.port}`, { enableReadyCheck: false });
    server = await serve(createRedisProvider({ admin, server: { host: "127.0.0.1", port: redis.port } }), secret);
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it("provisions users confined to their own key prefix and channels", async () => {
    const one = await provisionOver(server.url, secret, a);
    const two = await provisionOver(server.url, secret, b);
    expect(one.status).toBe(200);
    const short = a.replace(/-/g, "").slice(0, 12);
    expect(one.body.config).toEqual({
      REDIS_URL: expect.stringMatching(new RegExp(`^redis://addon_${short}:[0-9a-f]{48}@127\\.0\\.0\\.1:${redis.port}$`)),
      REDIS_KEY_PREFIX: `addon:${short}:`,
    });
    const prefixA = one.body.config.REDIS_KEY_PREFIX!;
    const prefixB = two.body.config.REDIS_KEY_PREFIX!;
    const userA = client(one.body.config.REDIS_URL!);
    const userB = client(two.body.config.REDIS_URL!);

    await userA.set(`${prefixA}greeting`, "hello from a");
    expect(await userA.get(`${prefixA}greeting`)).toBe("hello from a");
    await userB.set(`${prefixB}greeting`, "hello from b");

    await expect(userA.get(`${prefixB}greeting`)).rejects.toThrow(/NOPERM/);
    await expect(userA.set(`${prefixB}greeting`, "overwritten")).rejects.toThrow(/NOPERM/);
    await expect(userA.get("ouro:platform")).rejects.toThrow(/NOPERM/);
    await expect(userA.keys("*")).rejects.toThrow(/NOPERM/);
    await expect(userA.scan("0")).rejects.toThrow(/NOPERM/);
    await expect(userA.flushdb()).rejects.toThrow(/NOPERM/);
    await expect(userA.call("ACL", "LIST")).rejects.toThrow(/NOPERM/);
    await expect(userA.publish(`${prefixB}events`, "x")).rejects.toThrow(/NOPERM/);
    expect(await userA.publish(`${prefixA}events`, "x")).toBe(0);
    // Credentials of one add-on do not log in as another.
    const password = new URL(one.body.config.REDIS_URL!).password;
    await expect(client(`redis://${new URL(two.body.config.REDIS_URL!).username}:${password}@127.0.0.1:${redis.port}`).ping()).rejects.toThrow(/WRONGPASS/);

    // The users are in the aclfile, so they survive a restart.
    expect(readFileSync(redis.aclFile, "utf8")).toContain(`user addon_${short} on`);
  });

  it("deprovisions: the user is gone, its clients cut off and its keys deleted", async () => {
    const prefixA = `addon:${a.replace(/-/g, "").slice(0, 12)}:`;
    const prefixB = `addon:${b.replace(/-/g, "").slice(0, 12)}:`;
    const userA = clients[0]!;
    expect(await userA.get(`${prefixA}greeting`)).toBe("hello from a");
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    await expect(userA.get(`${prefixA}greeting`)).rejects.toThrow();
    expect(await admin.scan("0", "MATCH", `${prefixA}*`)).toEqual(["0", []]);
    expect(readFileSync(redis.aclFile, "utf8")).not.toContain(`addon_${a.replace(/-/g, "").slice(0, 12)}`);
    // B is untouched.
    expect((await admin.scan("0", "MATCH", `${prefixB}*`))[1]).toEqual([`${prefixB}greeting`]);
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    expect(await deprovisionOver(server.url, secret, b)).toBe(204);
  });
});
