// Real datastores for the provider tests: a temporary admin role on Ouro's PostgreSQL (made
// with the `ouro` role's CREATEROLE), a redis-server of the test's own with an aclfile, and a
// provider served over HTTP exactly as its web dyno serves it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createProviderHandler, type Provider } from "../../apps/postgres/index.ts";
import { loadConfig, postgresUrl } from "../../platform/lib/config.ts";

const config = loadConfig();
export const postgresPort = config.postgresPort;
export const kernelDbUrl = () => postgresUrl(config);
export const suffix = () => randomBytes(3).toString("hex");

/** A role like the one bootstrap makes for apps/postgres: LOGIN CREATEDB CREATEROLE, no superuser. */
export async function temporaryPostgresAdmin(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ouro_addons_test_${suffix()}`;
  const password = randomBytes(16).toString("hex");
  const kernel = new pg.Client(kernelDbUrl());
  await kernel.connect();
  await kernel.query(`CREATE ROLE ${name} LOGIN CREATEDB CREATEROLE PASSWORD '${password}'`);
  await kernel.end();
  return {
    url: `postgres://${name}:${password}@127.0.0.1:${postgresPort}/postgres`,
    async drop() {
      const client = new pg.Client(kernelDbUrl());
      await client.connect();
      await client.query(`DROP ROLE IF EXISTS ${name}`);
      await client.end();
    },
  };
}

/** The Redis admin rule bootstrap gives apps/redis's admin user (docs/addons.md). */
export const REDIS_ADMIN_RULES = ["on", "resetkeys", "~addon:*", "resetchannels", "nocommands", "+acl|setuser", "+acl|deluser", "+acl|save", "+scan", "+unlink", "+ping"];

export interface TestRedis {
  port: number;
  rootPassword: string;
  aclFile: string;
  stop: () => Promise<void>;
}

/** A redis-server on a free port whose users live in an aclfile, as Ouro's does. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "ouro-addons-redis-"));
  const rootPassword = randomBytes(16).toString("hex");
  const aclFile = join(dir, "users.acl");
  writeFileSync(aclFile, `user default on >${rootPassword} ~* &* +@all\n`);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--aclfile", aclFile, "--save", "", "--appendonly", "no"],
    { stdio: "pipe" },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept connections") && resolve());
    child.on("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  return {
    port,
    rootPassword,
    aclFile,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
