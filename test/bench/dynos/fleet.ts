// The benchmark's own dyno manager world, as test/dynos/manager.docker.test.ts makes it: a
// migrated throwaway database, a namespace of its own (never the platform's "ouro"), the perl
// slug, and `apps` apps at v1, each wanting `web` web and `workers` worker dynos.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { createBlobStore } from "../../../platform/blobs/index.ts";
import { type Db, createApp, createRelease, createSlug, ensureUser, updateFormation } from "../../../platform/db/index.ts";
import { type DynoManager, createDynoManager } from "../../../platform/dynos/index.ts";
import { deleteLogs } from "../../../platform/logs/index.ts";
import { routeKeys } from "../../../platform/router/index.ts";
import { loadConfig, redisUrl } from "../../../platform/lib/config.ts";
import { throwawayDatabase } from "../../support/database.ts";
import { removeNamespace, testAppNetworks } from "../../support/dynos.ts";
import { PERL_WEB, perlServerSlug } from "../../support/dyno-slug.ts";
import { removeDir } from "../../support/platform.ts";
import type { Teardown } from "../teardown.ts";
import { createDynoFs } from "../../../platform/dynos/dyno-fs.ts";

/** Workers that never exit however long the benchmark runs. */
const WORKER = "exec sleep infinity";

export interface FleetOptions {
  apps: number;
  web: number;
  workers: number;
  undo: Teardown;
}

export interface Fleet {
  docker: Docker;
  db: Db;
  namespace: string;
  /** The throwaway database's name. */
  database: string;
  stackImage: string;
  apps: { name: string; id: string }[];
  /** How many dynos the formations want in all. */
  total: number;
  /** A new dyno manager with nothing in memory, as a freshly started process has. */
  manager(): DynoManager;
  /** The managers' log, kept to be shown when something fails. */
  log: string[];
}

export async function createFleet(opts: FleetOptions): Promise<Fleet> {
  const config = loadConfig();
  const docker = new Docker();
  await docker.ping();
  await docker.getImage(config.stackImage).inspect().catch(() => {
    throw new Error(`the stack image ${config.stackImage} is missing (npm run bootstrap builds it)`);
  });
  const namespace = `bench-${randomBytes(4).toString("hex")}`;
  const log: string[] = [];

  const database = await throwawayDatabase("ouro_bench_dynos");
  opts.undo.add("the throwaway database", database.drop);
  const redis = new Redis(redisUrl(config));
  opts.undo.add("the Redis connection", () => redis.disconnect());
  const dir = mkdtempSync(join(tmpdir(), "ouro-bench-dynos-"));
  opts.undo.add(`the directory ${dir}`, () => removeDir(dir));

  const blobs = createBlobStore(join(dir, "blobs"));
  const slug = await perlServerSlug(dir, blobs);
  const user = await ensureUser(database.db, `bench-${namespace}@ouro.local`);
  const apps: Fleet["apps"] = [];
  opts.undo.add("the apps' routes and logs", async () => {
    for (const app of apps) {
      await redis.hdel(routeKeys("").routes, app.name);
      await deleteLogs(redis, app.name);
    }
  });
  // The engine's side goes first on the way out: containers, their volumes, networks and rules.
  opts.undo.add(`the containers, volumes and app networks of namespace ${namespace}`, () => emptyNamespace(docker, namespace));

  for (let i = 1; i <= opts.apps; i++) {
    const name = `${namespace}-app${i}`;
    const app = await createApp(database.db, { name, ownerId: user.id });
    const processTypes = { web: PERL_WEB, worker: WORKER };
    const row = await createSlug(database.db, {
      app_id: app.id,
      checksum: slug.checksum,
      size: slug.size,
      process_types: processTypes,
      commit: null,
      stack: "bookworm",
      buildpack_description: null,
    });
    await createRelease(database.db, { appId: app.id, slugId: row.id, description: "Deploy", userId: user.id });
    await updateFormation(database.db, app.id, [
      { type: "web", quantity: opts.web },
      { type: "worker", quantity: opts.workers },
    ]);
    apps.push({ name, id: app.id });
  }

  const manager = () =>
    createDynoManager({
      docker,
      db: database.db,
      redis,
      stackImage: config.stackImage,
      slugPath: (checksum) => blobs.path(checksum),
      dynoFs: createDynoFs(join(dir, "dyno-fs")),
      namespace,
      appNetworks: testAppNetworks({ docker, db: () => database.db, namespace, log: (line) => log.push(line) }),
      log: (line) => log.push(line),
    });

  const { rows } = await database.db.query<{ name: string }>("SELECT current_database() AS name");
  return { docker, db: database.db, namespace, database: rows[0]!.name, stackImage: config.stackImage, apps, total: opts.apps * (opts.web + opts.workers), manager, log };
}

/**
 * Removes what the namespace has in the engine. Each app's containers go one after another (apps,
 * each on its own network, side by side): many containers of one network removed at once can
 * deadlock Docker 20.10's network controller (moby/moby#42545) or make it lose count of the
 * network's endpoints, so that it refuses to remove the network until it restarts (moby/moby#42119).
 * Whatever is left is tried again, a few times.
 */
async function emptyNamespace(docker: Docker, namespace: string): Promise<void> {
  const label = { label: [`ouro.namespace=${namespace}`] };
  for (let round = 1; ; round++) {
    const byApp = new Map<string, string[]>();
    for (const c of await docker.listContainers({ all: true, filters: label })) {
      byApp.set(c.Labels["ouro.app"] ?? "", [...(byApp.get(c.Labels["ouro.app"] ?? "") ?? []), c.Id]);
    }
    await Promise.all(
      [...byApp.values()].map(async (ids) => {
        for (const id of ids) await docker.getContainer(id).remove({ force: true, v: true }).catch(() => {});
      }),
    );
    await removeNamespace(docker, namespace);
    for (const volume of (await docker.listVolumes({ filters: label })).Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => {});
    const left = (await docker.listContainers({ all: true, filters: label })).length + (await docker.listNetworks({ filters: label })).length;
    if (left === 0 || round === 3) return;
    console.error(`namespace ${namespace}: ${left} containers and networks left after round ${round} of its removal; again`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Running containers of the namespace, by id. */
export async function runningIds(fleet: Fleet): Promise<string[]> {
  const list = await fleet.docker.listContainers({ filters: { label: [`ouro.namespace=${fleet.namespace}`], status: ["running"] } });
  return list.map((c) => c.Id).sort();
}

/** How many of the fleet's dynos the `dynos` table records in each state. */
export async function recordedStates(fleet: Fleet): Promise<Record<string, number>> {
  const { rows } = await fleet.db.query<{ state: string; n: number }>("SELECT state, count(*)::int AS n FROM dynos GROUP BY state");
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
