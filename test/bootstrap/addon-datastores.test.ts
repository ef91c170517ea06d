// The datastores as bootstrap left them: the add-on PostgreSQL and Redis apart from the
// kernel's, with their limits; the kernel's PostgreSQL only on 127.0.0.1 and with no add-on
// role; and the add-on Redis's memory ceiling holding: a redis-server made by the same code
// with a small ceiling answers OOM to the write past it and evicts nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { addonUserName, addonKeyPrefix, createRedisProvider } from "../../apps/redis/index.ts";
import { ADDONS_ADMIN, addonsRedisSpec } from "../../platform/bootstrap/addon-datastores.ts";
import { ensureRedisServer } from "../../platform/bootstrap/redis-server.ts";
import { loadConfig, postgresUrl } from "../../platform/lib/config.ts";
import { randomUUID } from "node:crypto";

const config = loadConfig();
const hint = "run `npm run bootstrap`";

async function asKernel(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(postgresUrl(config));
  await client.connect().catch((error: Error) => {
    throw new Error(`the kernel's PostgreSQL on port ${config.postgresPort} is not answering (${error.message}): ${hint}`);
  });
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function asDefault(port: number, password: string): Promise<Redis> {
  const redis = new Redis({ port, username: "default", password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  await redis.connect().catch((error: Error) => {
    throw new Error(`no Redis answering as bootstrap's default user on port ${port} (${error.message}): ${hint}`);
  });
  return redis;
}

describe("the kernel's datastores and the add-ons'", () => {
  it("the kernel's PostgreSQL listens on 127.0.0.1 alone and has no add-on provider role", async () => {
    expect(await asKernel("SHOW listen_addresses")).toEqual([{ listen_addresses: "127.0.0.1" }]);
    expect(await asKernel(`SELECT rolname FROM pg_roles WHERE rolname = '${ADDONS_ADMIN}'`)).toEqual([]);
  });

  it("the add-on PostgreSQL is another cluster: its own port, reachable from the bridge, with a connection ceiling", async () => {
    const url = `postgres://${ADDONS_ADMIN}:${config.secrets.addonsPostgresPassword}@127.0.0.1:${config.addonsPostgresPort}/postgres`;
    const client = new pg.Client(url);
    await client.connect().catch((error: Error) => {
      throw new Error(`the add-on PostgreSQL on port ${config.addonsPostgresPort} does not let the provider in (${error.message}): ${hint}`);
    });
    try {
      const show = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0][name];
      expect(await show("listen_addresses")).toBe(`127.0.0.1,${config.bridgeHost}`);
      expect(Number(await show("max_connections"))).toBeGreaterThanOrEqual(100);
      expect((await client.query("SELECT datname FROM pg_database WHERE datname = 'ouro'")).rows).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("the add-on Redis has AOF, an aclfile, its memory ceiling with nothing evicted, and a cap on clients", async () => {
    const addons = await asDefault(config.addonsRedisPort, config.secrets.addonsRedisDefaultPassword);
    try {
      const get = async (name: string) => ((await addons.config("GET", name)) as string[])[1];
      const spec = Object.fromEntries(addonsRedisSpec(config).settings);
      expect(await get("appendonly")).toBe("yes");
      expect(await get("aclfile")).toBe(join(config.dataDir, "addons-redis", "users.acl"));
      expect(await get("maxmemory-policy")).toBe("noeviction");
      expect(Number(await get("maxmemory"))).toBe(bytes(spec.maxmemory!));
      expect(await get("maxclients")).toBe(spec.maxclients);
      const users = ((await addons.call("ACL", "USERS")) as string[]).filter((user) => !/^addon_[0-9a-f]{12}$/.test(user));
      expect(users.sort()).toEqual(["default", ADDONS_ADMIN]);
    } finally {
      addons.disconnect();
    }
  });
});

describe("a full add-on Redis", () => {
  const dir = mkdtempSync(join(tmpdir(), "ouro-addons-redis-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const spec = { ...addonsRedisSpec(config, { OURO_ADDONS_REDIS_MAXMEMORY: "4mb" }), dir, port, bind: ["127.0.0.1"] };
  let root: Redis | undefined;
  afterAll(async () => {
    await root?.call("SHUTDOWN", "NOSAVE").catch(() => {});
    root?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers OOM to a tenant's write past maxmemory and keeps what was written", async () => {
    await ensureRedisServer(spec);
    root = await asDefault(port, spec.password);
    const admin = new Redis({ port, username: ADDONS_ADMIN, password: config.secrets.addonsRedisPassword, enableReadyCheck: false });
    const provider = createRedisProvider({ admin, server: { host: "127.0.0.1", port } });
    const addonId = randomUUID();
    const { REDIS_URL: url } = await provider.provision({ addonId, app: "full" });
    const tenant = new Redis(url!, { maxRetriesPerRequest: 0, enableReadyCheck: false });
    const prefix = addonKeyPrefix(addonId);
    const value = "x".repeat(64 * 1024);
    let written = 0;
    let refusal = "";
    try {
      for (; written < 200 && !refusal; written++) {
        await tenant.set(`${prefix}${written}`, value).catch((error: Error) => (refusal = error.message));
      }
      expect(refusal).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
      expect(written).toBeGreaterThan(5);
      // noeviction: the first key is still there.
      expect(await tenant.get(`${prefix}0`)).toBe(value);
      expect(await root.call("ACL", "USERS")).toContain(addonUserName(addonId));
    } finally {
      tenant.disconnect();
      admin.disconnect();
    }
  });
});

/** Redis' memory units (`256mb` = 256 × 1024²). */
function bytes(size: string): number {
  const [, digits, unit = ""] = /^(\d+)(kb|mb|gb)?$/i.exec(size)!;
  return Number(digits) * ({ "": 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as Record<string, number>)[unit.toLowerCase()]!;
}
