// The machine's services, from the OS packages: the Docker engine, PostgreSQL,
// Redis and git. Each is installed when missing and started when not running.
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Secrets } from "../lib/config.ts";
import { ensureCluster, postgresBinDir, sqlLiteral } from "./postgres-cluster.ts";
import { ensureRedisServer } from "./redis-server.ts";
import { has, run, step, succeeds, waitFor } from "./shell.ts";

export { postgresBinDir } from "./postgres-cluster.ts";

const PACKAGES: Record<string, string> = {
  dockerd: "docker.io",
  git: "git",
  "redis-server": "redis-server",
  debootstrap: "debootstrap",
  // The rendezvous server's certificate (platform/lib/rendezvous-cert.ts).
  openssl: "openssl",
  // The dashboard's tests drive it headless (test/e2e/dashboard.docker.test.ts), through playwright-core.
  chromium: "chromium",
};

export function ensurePackages(): void {
  const missing = Object.entries(PACKAGES)
    .filter(([command]) => !has(command))
    .map(([, pkg]) => pkg);
  if (!postgresBinDir()) missing.push("postgresql");
  if (missing.length === 0) return;
  step(`Installing ${missing.join(", ")} from the OS packages`);
  run("apt-get", ["update", "-q"], { quiet: true });
  run("apt-get", ["install", "-y", "-q", ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    quiet: true,
  });
}

function daemon(command: string, args: string[], logFile: string): void {
  const out = openSync(logFile, "a");
  spawn(command, args, { detached: true, stdio: ["ignore", out, out] }).unref();
}

export async function ensureDocker(logDir: string): Promise<void> {
  if (succeeds("docker", ["info"])) return;
  step("Starting the Docker engine");
  daemon("dockerd", [], join(logDir, "dockerd.log"));
  await waitFor("the Docker engine", () => succeeds("docker", ["info"]));
}

export function bridgeGateway(): string {
  const out = run("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], { quiet: true });
  return out.trim() || "172.17.0.1";
}

/**
 * The kernel's PostgreSQL: 127.0.0.1 only, since no dyno needs it (add-on databases are on a
 * cluster of their own, addon-datastores.ts). The `ouro` role owns the `ouro` database.
 */
export async function ensurePostgres(dataDir: string, port: number, secrets: Secrets): Promise<void> {
  const dir = join(dataDir, "postgres");
  dropBridgeRules(join(dir, "pg_hba.conf"));
  const { psql } = await ensureCluster({ name: "PostgreSQL", dir, port, listen: ["127.0.0.1"] });
  const password = sqlLiteral(secrets.postgresPassword);
  if (psql("SELECT 1 FROM pg_roles WHERE rolname = 'ouro'") !== "1") psql(`CREATE ROLE ouro LOGIN CREATEDB CREATEROLE PASSWORD ${password}`);
  else psql(`ALTER ROLE ouro PASSWORD ${password}`);
  if (psql("SELECT 1 FROM pg_database WHERE datname = 'ouro'") !== "1") psql("CREATE DATABASE ouro OWNER ouro");
  psql("REVOKE CONNECT, TEMPORARY ON DATABASE ouro FROM PUBLIC");
  // The add-on provider's role lived here before the add-ons had a cluster of their own.
  if (psql("SELECT 1 FROM pg_roles WHERE rolname = 'ouro_addons'") === "1") {
    step("Dropping the role ouro_addons from the kernel's PostgreSQL (add-ons have their own cluster)");
    psql("DROP ROLE ouro_addons");
  }
}

/** The rules that let dynos on the Docker bridge in, from before the kernel's cluster listened only locally. */
function dropBridgeRules(hbaFile: string): void {
  const marker = "# ouro: dynos on the Docker bridge";
  if (!existsSync(hbaFile)) return;
  const lines = readFileSync(hbaFile, "utf8").split("\n");
  const start = lines.indexOf(marker);
  if (start < 0) return;
  let end = start + 1;
  while (end < lines.length && lines[end]!.trim() !== "") end++;
  writeFileSync(hbaFile, [...lines.slice(0, start), ...lines.slice(end + 1)].join("\n"));
}

/**
 * A ceiling on the kernel's Redis. Nothing is ever evicted (BullMQ's locks and the route
 * table must not be): what tenants can write is bounded where it is written — 1,500 log lines
 * of at most 10,000 bytes per app, kept 7 days; 4 MB of output per build, kept a day.
 */
const MEMORY: [string, string][] = [
  ["maxmemory", process.env.OURO_REDIS_MAXMEMORY ?? "1gb"],
  ["maxmemory-policy", "noeviction"],
];

/**
 * The kernel's Redis, listening on the Docker bridge too so the builder's and cron's dynos
 * reach their queues: their users reach only their own queue's keys. No other user: add-on
 * users live on the add-on Redis, and any left here from before are removed.
 */
export async function ensureRedis(dataDir: string, port: number, bridge: string, secrets: Secrets): Promise<void> {
  await ensureRedisServer({
    name: "Redis",
    dir: join(dataDir, "redis"),
    port,
    bind: ["127.0.0.1", bridge],
    password: secrets.redisPassword,
    users: {
      // Queue keys only, and no channel at all: nothing these users can publish moves the kernel.
      builder: `>${secrets.builderRedisPassword} ~bull:builds:* resetchannels +@all -@admin -@dangerous +info`,
      cron: `>${secrets.cronRedisPassword} ~bull:cron:* resetchannels +@all -@admin -@dangerous +info`,
    },
    settings: MEMORY,
  });
}
