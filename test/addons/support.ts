// The real add-on datastores bootstrap made (a PostgreSQL cluster and a Redis server apart from
// the kernel's), logged in to as the providers log in, and a provider served over HTTP exactly
// as its web dyno serves it. Each test names its add-ons from fresh uuids and deprovisions
// them, so tests share the servers with the running platform without touching its add-ons.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";
import { createProviderHandler, type Provider } from "../../apps/postgres/index.ts";
import { ADDONS_ADMIN } from "../../platform/bootstrap/addon-datastores.ts";
import { loadConfig, postgresUrl } from "../../platform/lib/config.ts";

export const config = loadConfig();
export const kernelDbUrl = () => postgresUrl(config);
export const suffix = () => randomBytes(3).toString("hex");

/** The postgres provider's login on the add-on cluster (its POSTGRES_ADMIN_URL, from the host). */
export const addonsPostgresAdminUrl = () =>
  `postgres://${ADDONS_ADMIN}:${config.secrets.addonsPostgresPassword}@127.0.0.1:${config.addonsPostgresPort}/postgres`;

/** The redis provider's login on the add-on Redis (its REDIS_ADMIN_URL, from the host). */
export const addonsRedisAdminUrl = () => `redis://${ADDONS_ADMIN}:${config.secrets.addonsRedisPassword}@127.0.0.1:${config.addonsRedisPort}`;

/** Bootstrap's own login on the add-on Redis, for what a test must set up or check as the server's owner. */
export const addonsRedisDefaultUrl = () => `redis://default:${config.secrets.addonsRedisDefaultPassword}@127.0.0.1:${config.addonsRedisPort}`;

const bootstrapHint = "run `npm run bootstrap` (it starts the add-on datastores)";

/** A pool as the postgres provider, failing with a message when the add-on cluster is not there. */
export async function addonsPostgresAdmin(): Promise<pg.Pool> {
  if (!config.secrets.addonsPostgresPassword) throw new Error(`no add-on PostgreSQL password in secrets.json: ${bootstrapHint}`);
  const pool = new pg.Pool({ connectionString: addonsPostgresAdminUrl(), max: 2 });
  pool.on("error", () => {});
  await pool.query("SELECT 1").catch((error: Error) => {
    throw new Error(`the add-on PostgreSQL on port ${config.addonsPostgresPort} does not let the provider in (${error.message}): ${bootstrapHint}`);
  });
  return pool;
}

/** A connection as the redis provider's admin, failing with a message when the add-on Redis is not there. */
export async function addonsRedisAdmin(): Promise<Redis> {
  if (!config.secrets.addonsRedisDefaultPassword) throw new Error(`no add-on Redis password in secrets.json: ${bootstrapHint}`);
  // The admin user may not run INFO, which ioredis' ready check sends.
  const admin = new Redis(addonsRedisAdminUrl(), { enableReadyCheck: false, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on("error", () => {});
  await admin.connect().then(() => admin.ping()).catch((error: Error) => {
    throw new Error(`the add-on Redis on port ${config.addonsRedisPort} does not let the provider in (${error.message}): ${bootstrapHint}`);
  });
  return admin;
}

/** One connection to PostgreSQL for one query; the error is the server's. */
export async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** The same URL with another database (or port). */
export const withDatabase = (url: string, db: string, port?: number) =>
  Object.assign(new URL(url), { pathname: `/${db}` }, port ? { port: String(port) } : {}).toString();

/** Serves a provider on a free local port, as its web dyno would behind the router. */
export async function serve(provider: Provider, secret: string): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const handler = createProviderHandler({ provider, secret, log: () => {} });
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function provisionOver(url: string, secret: string, addonId: string, app = "test-app") {
  const res = await fetch(`${url}/provision`, {
    method: "POST",
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({ addon_id: addonId, app }),
  });
  return { status: res.status, body: (await res.json()) as { config: Record<string, string> } & { id?: string } };
}

export async function deprovisionOver(url: string, secret: string, addonId: string): Promise<number> {
  const res = await fetch(`${url}/provision/${addonId}`, { method: "DELETE", headers: { Authorization: `Bearer ${secret}` } });
  return res.status;
}
