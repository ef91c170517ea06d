// apps/redis against the real add-on Redis, logged in as bootstrap's admin user: each add-on's
// user reads and writes its own prefix and nothing else, and neither the admin nor an add-on
// user can log in to the kernel's Redis.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisProvider } from "../../apps/redis/index.ts";
import { ADDONS_ADMIN } from "../../platform/bootstrap/addon-datastores.ts";
import { addonsRedisAdmin, addonsRedisDefaultUrl, config, deprovisionOver, provisionOver, serve, suffix } from "./support.ts";

const secret = "test-provider-secret";
const connect = (url: string) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
const aclFile = join(config.dataDir, "addons-redis", "users.acl");
const onKernel = (url: string) => Object.assign(new URL(url), { port: String(config.redisPort) }).toString();

describe("redis add-on provider", () => {
  let admin: Redis;
  let root: Redis;
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
  const outside = `ouro-test:${suffix()}`;

  beforeAll(async () => {
    admin = await addonsRedisAdmin();
    root = client(addonsRedisDefaultUrl());
    await root.set(outside, "not for add-ons", "EX", 300);
    server = await serve(createRedisProvider({ admin, server: { host: "127.0.0.1", port: config.addonsRedisPort } }), secret);
  });

  afterAll(async () => {
    for (const id of [a, b]) await deprovisionOver(server.url, secret, id).catch(() => {});
    await root?.del(outside);
    for (const c of clients) c.disconnect();
    await server?.close();
    admin?.disconnect();
  });

  it("provisions users confined to their own key prefix and channels", async () => {
    const one = await provisionOver(server.url, secret, a);
    const two = await provisionOver(server.url, secret, b);
    expect(one.status).toBe(200);
    const short = a.replace(/-/g, "").slice(0, 12);
    expect(one.body.config).toEqual({
      REDIS_URL: expect.stringMatching(new RegExp(`^redis://addon_${short}:[0-9a-f]{48}@127\\.0\\.0\\.1:${config.addonsRedisPort}$`)),
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
    await expect(userA.del(`${prefixB}greeting`)).rejects.toThrow(/NOPERM/);
    await expect(userA.get(outside)).rejects.toThrow(/NOPERM/);
    await expect(userA.keys("*")).rejects.toThrow(/NOPERM/);
    await expect(userA.scan("0")).rejects.toThrow(/NOPERM/);
    await expect(userA.flushdb()).rejects.toThrow(/NOPERM/);
    await expect(userA.call("ACL", "LIST")).rejects.toThrow(/NOPERM/);
    await expect(userA.call("CONFIG", "SET", "maxmemory", "0")).rejects.toThrow(/NOPERM/);
    await expect(userA.publish(`${prefixB}events`, "x")).rejects.toThrow(/NOPERM/);
    expect(await userA.publish(`${prefixA}events`, "x")).toBe(0);
    expect(await userB.get(`${prefixB}greeting`)).toBe("hello from b");
    // Credentials of one add-on do not log in as another.
    const password = new URL(one.body.config.REDIS_URL!).password;
    await expect(client(`redis://${new URL(two.body.config.REDIS_URL!).username}:${password}@127.0.0.1:${config.addonsRedisPort}`).ping()).rejects.toThrow(/WRONGPASS/);

    // The users are in the aclfile, so they survive a restart.
    expect(readFileSync(aclFile, "utf8")).toContain(`user addon_${short} on`);
  });

  it("gives the admin only user management and add-on key cleanup, on the add-on Redis alone", async () => {
    await expect(admin.call("ACL", "LIST")).rejects.toThrow(/NOPERM/);
    await expect(admin.call("ACL", "GETUSER", "default")).rejects.toThrow(/NOPERM/);
    await expect(admin.get(`addon:${b.replace(/-/g, "").slice(0, 12)}:greeting`)).rejects.toThrow(/NOPERM/);
    await expect(admin.unlink(outside)).rejects.toThrow(/NOPERM/);
    await expect(admin.call("CONFIG", "SET", "maxmemory", "0")).rejects.toThrow(/NOPERM/);
    await expect(admin.flushall()).rejects.toThrow(/NOPERM/);
    // The kernel's Redis does not know the admin, nor any add-on user: no reading or changing its users.
    const provisioned = (await provisionOver(server.url, secret, b)).body.config.REDIS_URL!;
    const adminUrl = `redis://${ADDONS_ADMIN}:${config.secrets.addonsRedisPassword}@127.0.0.1:${config.addonsRedisPort}`;
    for (const url of [adminUrl, provisioned]) {
      await expect(client(onKernel(url)).call("ACL", "SETUSER", "builder", "off")).rejects.toThrow(/WRONGPASS/);
    }
  });

  it("deprovisions: the user is gone, its clients cut off and its keys deleted", async () => {
    const prefixA = `addon:${a.replace(/-/g, "").slice(0, 12)}:`;
    const prefixB = `addon:${b.replace(/-/g, "").slice(0, 12)}:`;
    const userA = clients[1]!;
    expect(await userA.get(`${prefixA}greeting`)).toBe("hello from a");
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    await expect(userA.get(`${prefixA}greeting`)).rejects.toThrow();
    expect(await admin.scan("0", "MATCH", `${prefixA}*`, "COUNT", 100_000)).toEqual(["0", []]);
    expect(readFileSync(aclFile, "utf8")).not.toContain(`addon_${a.replace(/-/g, "").slice(0, 12)}`);
    // B is untouched.
    expect(await root.get(`${prefixB}greeting`)).toBe("hello from b");
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    expect(await deprovisionOver(server.url, secret, b)).toBe(204);
    expect(await root.exists(`${prefixB}greeting`)).toBe(0);
  });
});
