// The add-on datastores: a PostgreSQL cluster and a Redis server apart from the kernel's, so
// what a tenant or the add-on providers can do there never reaches the platform's own state.
// Both listen on 127.0.0.1 and the Docker bridge gateway (dynos reach it as `ouro-host`).
import { join } from "node:path";
import { roleFunctionsSql, ROLE_FUNCTIONS_OWNER } from "../../apps/postgres/index.ts";
import { adminAclRules } from "../../apps/redis/index.ts";
import type { Config } from "../lib/config.ts";
import { ensureCluster, sqlLiteral } from "./postgres-cluster.ts";
import { ensureRedisServer, type RedisServerSpec } from "./redis-server.ts";

/** The providers' admin login on both servers: a PostgreSQL role and a Redis user. */
export const ADDONS_ADMIN = "ouro_addons";

/** Enough for every add-on's 20 connections on a small host, with the superuser's reserve kept. */
const MAX_CONNECTIONS = "200";

/**
 * Who may connect, first match wins: the superuser only over the local socket; the provider
 * only to the `postgres` database (it makes add-on databases from there and can open none of
 * them); every other role only to the database named like it (`addon_x` to `addon_x`). From
 * dynos, only addresses of the app networks' pool.
 */
export function addonsPostgresHba(pool: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(pool)) throw new Error(`OURO_DYNO_NETWORK_POOL must be an IPv4 CIDR such as 10.211.0.0/16, not ${JSON.stringify(pool)}`);
  const rows = [
    ["local", "all", "postgres", "", "peer"],
    ["host", "all", "postgres", "all", "reject"],
    ["host", "all", ROLE_FUNCTIONS_OWNER, "all", "reject"],
    ["host", "postgres", ADDONS_ADMIN, "127.0.0.1/32", "scram-sha-256"],
    ["host", "postgres", ADDONS_ADMIN, pool, "scram-sha-256"],
    ["host", "all", ADDONS_ADMIN, "all", "reject"],
    ["host", "sameuser", "all", "127.0.0.1/32", "scram-sha-256"],
    ["host", "sameuser", "all", pool, "scram-sha-256"],
  ];
  const header = "# Written by Ouro's bootstrap (platform/bootstrap/addon-datastores.ts): the next run puts it back.";
  return `${header}\n${rows.map((row) => row.map((cell) => cell.padEnd(18)).join("").trimEnd()).join("\n")}\n`;
}

/**
 * The add-on PostgreSQL: the provider's role has CREATEDB and no CREATEROLE; it makes add-on
 * roles only through the functions of apps/postgres/role-functions.ts, installed here as the
 * superuser over the cluster's socket.
 */
export async function ensureAddonsPostgres(config: Config): Promise<void> {
  const { psql } = await ensureCluster({
    name: "the add-on PostgreSQL",
    dir: join(config.dataDir, "addons-postgres"),
    port: config.addonsPostgresPort,
    listen: ["127.0.0.1", config.bridgeHost],
    settings: { max_connections: process.env.OURO_ADDONS_POSTGRES_MAX_CONNECTIONS ?? MAX_CONNECTIONS },
    hba: addonsPostgresHba(config.dynoNetworkPool),
  });
  const rights = `LOGIN CREATEDB NOCREATEROLE NOSUPERUSER NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 10 PASSWORD ${sqlLiteral(config.secrets.addonsPostgresPassword)}`;
  const exists = psql(`SELECT 1 FROM pg_roles WHERE rolname = '${ADDONS_ADMIN}'`) === "1";
  psql(`${exists ? "ALTER" : "CREATE"} ROLE ${ADDONS_ADMIN} ${rights}`);
  psql(roleFunctionsSql(ADDONS_ADMIN));
  psql(`REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC; GRANT CONNECT ON DATABASE postgres TO ${ADDONS_ADMIN}`);
}

const SIZE = /^\d+(kb|mb|gb)?$/i;

/**
 * The add-on Redis: one memory ceiling for all add-ons together, nothing evicted (a full server
 * answers OOM to writes rather than dropping a tenant's keys), and a cap on clients. Redis has
 * no per-user memory, key or connection quota.
 */
export function addonsRedisSpec(config: Config, env: NodeJS.ProcessEnv = process.env): RedisServerSpec {
  const maxmemory = env.OURO_ADDONS_REDIS_MAXMEMORY ?? "256mb";
  const maxclients = env.OURO_ADDONS_REDIS_MAXCLIENTS ?? "1000";
  if (!SIZE.test(maxmemory)) throw new Error(`OURO_ADDONS_REDIS_MAXMEMORY must be a size such as 256mb, not ${JSON.stringify(maxmemory)}`);
  if (!/^\d+$/.test(maxclients)) throw new Error(`OURO_ADDONS_REDIS_MAXCLIENTS must be a number, not ${JSON.stringify(maxclients)}`);
  return {
    name: "the add-on Redis",
    dir: join(config.dataDir, "addons-redis"),
    port: config.addonsRedisPort,
    bind: ["127.0.0.1", config.bridgeHost],
    password: config.secrets.addonsRedisDefaultPassword,
    users: { [ADDONS_ADMIN]: adminAclRules(config.secrets.addonsRedisPassword).join(" ") },
    // The users the provider made: they stay across restarts, in the aclfile.
    keep: /^addon_[0-9a-f]{12}$/,
    settings: [
      ["maxmemory", maxmemory],
      ["maxmemory-policy", "noeviction"],
      ["maxclients", maxclients],
    ],
  };
}

export async function ensureAddonDatastores(config: Config): Promise<void> {
  await ensureAddonsPostgres(config);
  await ensureRedisServer(addonsRedisSpec(config));
}
