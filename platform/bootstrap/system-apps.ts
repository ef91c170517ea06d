// System apps: created with their config vars by bootstrap; the builder is first
// compiled by hand in stage 0 (before any builder exists) with the very same
// build code, in a one-off container of the stack.
import Docker from "dockerode";
import { BUILD_NETWORK, ensureBuildNetwork } from "../dynos/index.ts";
import { BUILD_DYNO_SIZE, dynoSize } from "../lib/dyno-sizes.ts";
import { chownSync, createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { BlobStore } from "../blobs/index.ts";
import { type Config, DYNO_HOST, dynoApiUrl } from "../lib/config.ts";
import { BUILDER_SCOPE, scopedToken } from "../lib/tokens.ts";
import {
  type AppRow,
  type Db,
  createApp,
  createRelease,
  createSlug,
  currentRelease,
  ensureUser,
  getApp,
  listDynos,
  listFormation,
  updateFormation,
} from "../db/index.ts";
import { FORMATION_CHANNEL } from "../lib/channels.ts";
import { joinedDigest, slugBlobs } from "../lib/slug-layers.ts";
import { announceApps } from "../router/index.ts";
import { ADDONS_ADMIN } from "./addon-datastores.ts";
import { run, step, waitFor } from "./shell.ts";
import { SYSTEM_EMAIL, assembleAppSource } from "./system-source.ts";

/** The system app, created (owned by the system user) when missing, with these config vars set. */
export async function ensureSystemApp(db: Db, redis: Redis, name: string, config: Record<string, string> = {}): Promise<AppRow> {
  const app = await systemApp(db, redis, name);
  const changes = Object.fromEntries(Object.entries(config).filter(([key, value]) => app.config[key] !== value));
  if (Object.keys(changes).length === 0) return app;
  await createRelease(db, { appId: app.id, configChanges: changes, description: `Set ${Object.keys(changes).join(", ")} config vars`, userId: null });
  await redis.publish(FORMATION_CHANNEL, name);
  return getApp(db, name);
}

async function systemApp(db: Db, redis: Redis, name: string): Promise<AppRow> {
  const owner = await ensureUser(db, SYSTEM_EMAIL);
  const existing = await getApp(db, name).catch(() => undefined);
  if (existing) {
    // Never adopt a user's app that took the name before it was a system app's.
    if (!existing.system) throw new Error(`an app named ${name} already exists and is not a system app (owner ${existing.owner_email}): rename it, then bootstrap again`);
    return existing;
  }
  const app = await createApp(db, { name, ownerId: owner.id, system: true });
  await announceApps(redis, { add: name });
  return app;
}

export interface Stage0Deps {
  config: Config;
  db: Db;
  redis: Redis;
  blobs: BlobStore;
}

/**
 * Stage 0, unless the builder's current release was built from this very source
 * (same commit) and its slug is present. Returns the slug checksum.
 */
export async function ensureBuilder(deps: Stage0Deps): Promise<string> {
  const { config, db, redis, blobs } = deps;
  const app = await systemApp(db, redis, "builder");
  const { dir: source, commit } = assembleAppSource(config.repoRoot, "builder");
  const work = mkdtempSync(join(tmpdir(), "ouro-stage0-"));
  try {
    const current = await currentRelease(db, app.id);
    const existing = current?.slug_id
      ? (await db.query<{ checksum: string; layers: string[] | null; commit: string | null }>("SELECT checksum, layers, commit FROM slugs WHERE id = $1", [current.slug_id])).rows[0]
      : undefined;
    if (existing && existing.commit === commit && slugBlobs(existing).every((c) => blobs.has(c))) return existing.checksum;

    step("Stage 0: compiling the builder by hand, in a one-off container of the stack image");
    run("git", ["-C", source, "archive", "--format=tar", "-o", join(work, "source.tar"), "HEAD"], { quiet: true });
    chownSync(work, 1000, 1000);
    // Confined like a build dyno: `npm ci` runs the builder's dependencies' install scripts.
    await ensureBuildNetwork(new Docker(), { apiPort: config.apiPort });
    const size = dynoSize(BUILD_DYNO_SIZE);
    run("docker", [
      "run", "--rm", "--user", "1000:1000",
      "--network", BUILD_NETWORK, "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
      "--memory", `${size.memoryMb}m`, "--memory-swap", `${size.memoryMb}m`, "--pids-limit", String(size.pidsLimit),
      "-v", `${process.execPath}:/opt/ouro/node:ro`,
      "-v", `${config.repoRoot}:/ouro:ro`,
      "-v", `${work}:/stage0`,
      "-w", "/ouro",
      "-e", `NPM_CONFIG_REGISTRY=${config.npmRegistry}`,
      config.stackImage,
      "/opt/ouro/node", "--import", "tsx", "/ouro/apps/builder/stage0.ts",
      "--source", "/stage0/source.tar", "--out", "/stage0/out",
    ], { show: true });
    const result = JSON.parse(readFileSync(join(work, "out", "result.json"), "utf8")) as {
      checksum: string;
      layers: { file: string; checksum: string }[];
      processTypes: Record<string, string>;
      buildpackDescription: string;
    };
    const layers: string[] = [];
    for (const layer of result.layers) {
      const stored = await blobs.put(createReadStream(join(work, "out", layer.file)));
      if (stored.checksum !== layer.checksum) throw new Error(`stage 0 layer checksum mismatch: ${stored.checksum} != ${layer.checksum}`);
      layers.push(stored.checksum);
    }
    const stored = await joinedDigest(layers.map((c) => blobs.path(c)));
    if (stored.checksum !== result.checksum) throw new Error(`stage 0 slug checksum mismatch: ${stored.checksum} != ${result.checksum}`);
    const slug = await createSlug(db, {
      app_id: app.id,
      checksum: stored.checksum,
      layers: layers.length > 1 ? layers : null,
      size: stored.size,
      process_types: result.processTypes,
      commit,
      stack: "bookworm",
      buildpack_description: result.buildpackDescription,
    });
    const release = await createRelease(db, {
      appId: app.id,
      slugId: slug.id,
      configChanges: builderConfig(config),
      description: "Stage 0: hand-compiled by bootstrap",
      userId: null,
    });
    const worker = (await listFormation(db, app.id)).find((f) => f.type === "worker");
    if (!worker?.quantity) await updateFormation(db, app.id, [{ type: "worker", quantity: 1 }]);
    step(`Builder v${release.version} (stage 0) slug ${stored.checksum}`);
    return stored.checksum;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(source, { recursive: true, force: true });
  }
}

/**
 * The builder reaches the API and its queue through the bridge, never the DB. Its token
 * starts and watches build dynos; the build dynos themselves get none of this.
 */
export function builderConfig(config: Config): Record<string, string> {
  return {
    OURO_API_URL: dynoApiUrl(config),
    OURO_BUILDER_TOKEN: scopedToken(config.secrets.tokenSecret, BUILDER_SCOPE),
    REDIS_URL: `redis://builder:${config.secrets.builderRedisPassword}@${DYNO_HOST}:${config.redisPort}`,
  };
}

/** Waits until a dyno of `type` of the app's current release is up. */
export async function waitForDyno(db: Db, redis: Redis, name: string, type: string): Promise<void> {
  const app = await getApp(db, name);
  const version = (await currentRelease(db, app.id))?.version;
  await redis.publish(FORMATION_CHANNEL, name);
  await waitFor(
    `the ${type} dyno of ${name} v${version} (see .ouro/logs/dynos.log)`,
    async () => (await listDynos(db, app.id)).some((d) => d.type === type && d.state === "up" && d.release_version === version),
    120_000,
  );
}

/** The slug checksum of the newest stage-0 release of the builder built from `commit`. */
export async function stage0Checksum(db: Db, commit: string): Promise<string | undefined> {
  const { rows } = await db.query<{ checksum: string }>(
    `SELECT s.checksum FROM releases r JOIN apps a ON a.id = r.app_id JOIN slugs s ON s.id = r.slug_id
     WHERE a.name = 'builder' AND r.description LIKE 'Stage 0:%' AND s.commit = $1 ORDER BY r.version DESC LIMIT 1`,
    [commit],
  );
  return rows[0]?.checksum;
}

export function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}

/**
 * Config vars each system app needs (beyond what its own code defaults). The add-on providers
 * get admin logins on the add-on datastores, never on the kernel's.
 */
export function systemConfig(config: Config, name: string, apiKey: string): Record<string, string> {
  const host = DYNO_HOST;
  const api = dynoApiUrl(config);
  switch (name) {
    case "builder":
      return builderConfig(config);
    case "cron":
      return { OURO_API_URL: api, OURO_API_KEY: apiKey, REDIS_URL: `redis://cron:${config.secrets.cronRedisPassword}@${host}:${config.redisPort}` };
    case "postgres":
      return {
        POSTGRES_ADMIN_URL: `postgres://${ADDONS_ADMIN}:${config.secrets.addonsPostgresPassword}@${host}:${config.addonsPostgresPort}/postgres`,
        OURO_PROVIDER_SECRET: config.secrets.providerSecret,
      };
    case "redis":
      return {
        REDIS_ADMIN_URL: `redis://${ADDONS_ADMIN}:${config.secrets.addonsRedisPassword}@${host}:${config.addonsRedisPort}`,
        OURO_PROVIDER_SECRET: config.secrets.providerSecret,
      };
    case "dashboard":
      // It calls the API with the signed-in user's key only: no key of its own.
      return { OURO_API_URL: api, OURO_DASHBOARD_SECRET: config.secrets.dashboardSecret };
    default:
      return {};
  }
}

/** Process types a system app runs that a first deploy would leave at 0 (only `web` starts at 1). */
const SYSTEM_FORMATION: Record<string, Record<string, number>> = { cron: { clock: 1 } };

export async function scaleSystemApp(db: Db, redis: Redis, name: string): Promise<void> {
  const wanted = SYSTEM_FORMATION[name];
  if (!wanted) return;
  const app = await getApp(db, name);
  await updateFormation(db, app.id, Object.entries(wanted).map(([type, quantity]) => ({ type, quantity })));
  await redis.publish(FORMATION_CHANNEL, name);
}
