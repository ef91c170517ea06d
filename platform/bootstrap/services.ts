// The machine's services, from the OS packages: the Docker engine, PostgreSQL,
// Redis and git. Each is installed when missing and started when not running.
import { spawn } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Secrets } from "../lib/config.ts";
import { has, run, step, succeeds, waitFor } from "./shell.ts";

const PACKAGES: Record<string, string> = {
  dockerd: "docker.io",
  git: "git",
  "redis-server": "redis-server",
  debootstrap: "debootstrap",
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

export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "pg_ctl")));
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, "bin") : undefined;
}

/** Ouro's own PostgreSQL cluster under the data dir, so its state lives with the rest. */
export async function ensurePostgres(dataDir: string, port: number, bridge: string, secrets: Secrets): Promise<void> {
  const bin = postgresBinDir()!;
  const dir = join(dataDir, "postgres");
  const asPostgres = (command: string, args: string[]) => run("runuser", ["-u", "postgres", "--", join(bin, command), ...args], { quiet: true });
  if (!existsSync(join(dir, "PG_VERSION"))) {
    step("Creating Ouro's PostgreSQL cluster");
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uid("postgres"), uid("postgres", "g"));
    asPostgres("initdb", ["-D", dir, "--auth-local=peer", "--auth-host=scram-sha-256", "-U", "postgres"]);
  }
  allowDynos(join(dir, "pg_hba.conf"));
  // Asked through this cluster's own socket: another server on the port is not ours.
  const ready = () => succeeds(join(bin, "pg_isready"), ["-q", "-h", join(dir, "run"), "-p", String(port)]);
  const socketDir = join(dir, "run");
  const psql = (sql: string) =>
    run("runuser", ["-u", "postgres", "--", join(bin, "psql"), "-h", socketDir, "-p", String(port), "-v", "ON_ERROR_STOP=1", "-tAc", sql], { quiet: true }).trim();
  // Dynos (add-on databases) reach PostgreSQL over the Docker bridge.
  const listen = `127.0.0.1,${bridge}`;
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=${listen}`;
  if (ready() && psql("SHOW listen_addresses") !== listen) {
    step("Restarting PostgreSQL to listen on the Docker bridge");
    asPostgres("pg_ctl", ["-D", dir, "-l", join(dir, "server.log"), "-o", options, "-w", "restart"]);
  }
  if (!ready()) {
    step("Starting PostgreSQL");
    mkdirSync(socketDir, { recursive: true });
    chownSync(socketDir, uid("postgres"), uid("postgres", "g"));
    asPostgres("pg_ctl", ["-D", dir, "-l", join(dir, "server.log"), "-o", options, "start"]);
    await waitFor("PostgreSQL", ready);
  }
  const password = secrets.postgresPassword.replace(/'/g, "''");
  if (psql("SELECT 1 FROM pg_roles WHERE rolname = 'ouro'") !== "1") psql(`CREATE ROLE ouro LOGIN CREATEDB CREATEROLE PASSWORD '${password}'`);
  else psql(`ALTER ROLE ouro PASSWORD '${password}'`);
  if (psql("SELECT 1 FROM pg_database WHERE datname = 'ouro'") !== "1") psql("CREATE DATABASE ouro OWNER ouro");
  // The postgres add-on provider's role: it creates one role and database per add-on.
  const addons = secrets.addonsPostgresPassword.replace(/'/g, "''");
  if (psql("SELECT 1 FROM pg_roles WHERE rolname = 'ouro_addons'") !== "1") psql(`CREATE ROLE ouro_addons LOGIN CREATEDB CREATEROLE PASSWORD '${addons}'`);
  else psql(`ALTER ROLE ouro_addons PASSWORD '${addons}'`);
  psql("REVOKE CONNECT, TEMPORARY ON DATABASE ouro FROM PUBLIC");
  psql("SELECT pg_reload_conf()");
}

/**
 * From the Docker bridge: never the kernel's or the superuser's role; the add-on
 * provider only to the `postgres` database; every add-on role only to its own
 * database (role and database share the name `addon_<id>`).
 */
function allowDynos(hbaFile: string): void {
  const marker = "# ouro: dynos on the Docker bridge";
  if (readFileSync(hbaFile, "utf8").includes(marker)) return;
  appendFileSync(
    hbaFile,
    [
      "",
      marker,
      "host  all       ouro         172.16.0.0/12  reject",
      "host  all       postgres     172.16.0.0/12  reject",
      "host  postgres  ouro_addons  172.16.0.0/12  scram-sha-256",
      "host  sameuser  all          172.16.0.0/12  scram-sha-256",
      "",
    ].join("\n"),
  );
}

function uid(user: string, kind: "u" | "g" = "u"): number {
  return Number(run("id", [`-${kind}`, user], { quiet: true }).trim());
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
 * Ouro's own Redis: AOF on (a restart loses no queued build), listening on the
 * Docker bridge too so system app dynos reach it. Users live in an ACL file so the
 * redis add-on provider can save the users it creates: the builder and cron users
 * reach only their own queue's keys; `ouro_addons` may only manage `addon_*` users.
 */
export async function ensureRedis(dataDir: string, port: number, bridge: string, secrets: Secrets): Promise<void> {
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "redis.conf");
  const aclFile = join(dir, "users.acl");
  const users: Record<string, string> = {
    default: `>${secrets.redisPassword} ~* &* +@all`,
    // Queue keys only, and no channel at all: nothing these users can publish moves the kernel.
    builder: `>${secrets.builderRedisPassword} ~bull:builds:* resetchannels +@all -@admin -@dangerous +info`,
    cron: `>${secrets.cronRedisPassword} ~bull:cron:* resetchannels +@all -@admin -@dangerous +info`,
    ouro_addons: `>${secrets.addonsRedisPassword} resetkeys ~addon:* resetchannels nocommands +acl|setuser +acl|deluser +acl|save +scan +unlink +ping`,
  };
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bind 127.0.0.1 ${bridge}`,
      `dir ${dir}`,
      "appendonly yes",
      "appendfsync everysec",
      "daemonize yes",
      `pidfile ${join(dir, "redis.pid")}`,
      `logfile ${join(dir, "redis.log")}`,
      `aclfile ${aclFile}`,
      ...MEMORY.map(([name, value]) => `${name} ${value}`),
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const cli = ["-p", String(port), "--user", "default", "--pass", secrets.redisPassword, "--no-auth-warning"];
  const ping = () => succeeds("redis-cli", [...cli, "ping"]);
  if (ping() && run("redis-cli", [...cli, "CONFIG", "GET", "aclfile"], { quiet: true }).trim().split("\n")[1]?.trim() !== aclFile) {
    step("Restarting Redis to move its users into an ACL file");
    run("redis-cli", [...cli, "SHUTDOWN"], { quiet: true }).toString();
    await waitFor("Redis to stop", () => !ping());
  }
  if (!ping()) {
    // Users the add-on provider made stay; the system users are written afresh.
    const kept = existsSync(aclFile)
      ? readFileSync(aclFile, "utf8").split("\n").filter((line) => /^user addon_/.test(line))
      : [];
    const lines = [...Object.entries(users).map(([user, rules]) => `user ${user} on ${rules}`), ...kept];
    writeFileSync(aclFile, `${lines.join("\n")}\n`, { mode: 0o600 });
    step("Starting Redis (AOF persistence on)");
    run("redis-server", [conf]);
    await waitFor("Redis", ping);
    return;
  }
  for (const [name, value] of MEMORY) run("redis-cli", [...cli, "CONFIG", "SET", name, value], { quiet: true });
  // A running Redis learns system users added since it started, and saves them.
  for (const [user, rules] of Object.entries(users)) {
    run("redis-cli", [...cli, "ACL", "SETUSER", user, "reset", "on", ...rules.split(" ")], { quiet: true });
  }
  run("redis-cli", [...cli, "ACL", "SAVE"], { quiet: true });
}
