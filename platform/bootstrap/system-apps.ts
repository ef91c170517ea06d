// System apps: the builder, compiled by hand in stage 0 (before any builder
// exists) with the very same build code, in a one-off container of the stack.
import { chownSync, cpSync, createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { BlobStore } from "../blobs/index.ts";
import type { Config } from "../lib/config.ts";
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
import { announceApps } from "../router/index.ts";
import { run, step, waitFor } from "./shell.ts";

const SYSTEM_EMAIL = "system@ouro.local";
/** Fixed identity and date: the same tree always gives the same commit. */
const COMMIT_ENV = {
  GIT_AUTHOR_NAME: "Ouro",
  GIT_AUTHOR_EMAIL: SYSTEM_EMAIL,
  GIT_COMMITTER_NAME: "Ouro",
  GIT_COMMITTER_EMAIL: SYSTEM_EMAIL,
  GIT_AUTHOR_DATE: "2000-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2000-01-01T00:00:00Z",
};

/**
 * The builder's source as an app repository: apps/builder, the buildpacks and the
 * shared platform/lib keep their repo paths (so relative imports hold), and the
 * builder's package.json, lockfile and Procfile sit at the root.
 */
export function assembleBuilderSource(repoRoot: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ouro-builder-src-"));
  for (const path of ["apps/builder", "buildpacks", "platform/lib"]) {
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true, filter: (p) => !p.includes("node_modules") });
  }
  for (const file of ["package.json", "package-lock.json", "Procfile"]) {
    cpSync(join(repoRoot, "apps/builder", file), join(dir, file));
  }
  const git = (...args: string[]) => run("git", ["-C", dir, ...args], { env: { ...process.env, ...COMMIT_ENV }, quiet: true });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "Ouro system app: builder");
  return dir;
}

async function systemApp(db: Db, redis: Redis, name: string): Promise<AppRow> {
  const owner = await ensureUser(db, SYSTEM_EMAIL);
  try {
    return await getApp(db, name);
  } catch {
    const app = await createApp(db, { name, ownerId: owner.id, system: true });
    await announceApps(redis, { add: name });
    return app;
  }
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
  const source = assembleBuilderSource(config.repoRoot);
  const work = mkdtempSync(join(tmpdir(), "ouro-stage0-"));
  try {
    const commit = run("git", ["-C", source, "rev-parse", "HEAD"], { quiet: true }).trim();
    const current = await currentRelease(db, app.id);
    const existing = current?.slug_id
      ? (await db.query<{ checksum: string; commit: string | null }>("SELECT checksum, commit FROM slugs WHERE id = $1", [current.slug_id])).rows[0]
      : undefined;
    if (existing && existing.commit === commit && blobs.has(existing.checksum)) return existing.checksum;

    step("Stage 0: compiling the builder by hand, in a one-off container of the stack image");
    run("git", ["-C", source, "archive", "--format=tar", "-o", join(work, "source.tar"), "HEAD"], { quiet: true });
    chownSync(work, 1000, 1000);
    run("docker", [
      "run", "--rm", "--user", "1000:1000",
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
      processTypes: Record<string, string>;
      buildpackDescription: string;
    };
    const stored = await blobs.put(createReadStream(join(work, "out", "slug.tgz")));
    if (stored.checksum !== result.checksum) throw new Error(`stage 0 slug checksum mismatch: ${stored.checksum} != ${result.checksum}`);
    const slug = await createSlug(db, {
      app_id: app.id,
      checksum: stored.checksum,
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

/** The builder reaches the API and its queue through the bridge; never the DB. */
function builderConfig(config: Config): Record<string, string> {
  const host = "ouro-host";
  return {
    OURO_API_URL: `http://${host}:${config.apiPort}`,
    REDIS_URL: `redis://builder:${config.secrets.builderRedisPassword}@${host}:${config.redisPort}`,
  };
}

export async function waitForBuilder(db: Db, redis: Redis): Promise<void> {
  const app = await getApp(db, "builder");
  await redis.publish("ouro:formation:changed", "builder");
  await waitFor(
    "the builder's worker dyno (see .ouro/logs/dynos.log)",
    async () => (await listDynos(db, app.id)).some((d) => d.type === "worker" && d.state === "up"),
    120_000,
  );
}

export function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
}
