// The real API in-process (createApi and the real build service), for suites that drive
// routes or code that calls the API, so a test cannot drift from the routes it calls: on a
// throwaway database (or one the test hands in), a blob store in a temporary directory, a
// BullMQ build queue of the test's own and the platform's Redis (or one the test names).
// No dyno manager watches it: formation changes are only recorded in `notified`.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import tar from "tar-stream";
import { createApi } from "../../platform/api/index.ts";
import { routeKeys } from "../../platform/router/index.ts";
import type { ApiDeps } from "../../platform/api/index.ts";
import { type BlobStore, createBlobStore } from "../../platform/blobs/index.ts";
import { type BuildService, createBuildService } from "../../platform/builds/index.ts";
import {
  type AppRow,
  type Db,
  type ReleaseRow,
  type User,
  createApiKey,
  createApp,
  createBuild,
  createRelease,
  createSlug,
  ensureUser,
  finishBuild,
} from "../../platform/db/index.ts";
import type { BuildJob } from "../../platform/lib/build-contract.ts";
import { type Config, loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { throwawayDatabase } from "./database.ts";

export interface InProcessApi {
  url: string;
  deps: ApiDeps;
  db: Db;
  blobs: BlobStore;
  builds: BuildService;
  queue: Queue<BuildJob>;
  /** An API key of `user`, who owns every app made through `createApp`. */
  key: string;
  user: User;
  /** Apps the API told the dyno manager about, in order. */
  notified: string[];
  /** What the API's background work and build service logged. */
  logs: string[];
  createApp(name: string): Promise<AppRow>;
  /** A push as the kernel records it, without a builder: source blob → build → slug → release. */
  recordDeploy(app: AppRow, files: Record<string, string>, processTypes?: Record<string, string>): Promise<ReleaseRow>;
  /** Another API on the same deps with other config (e.g. another router port). */
  listen(config?: Partial<Config>): Promise<{ url: string; close: () => Promise<void> }>;
  close(): Promise<void>;
}

/** A source tar as `git archive` sends it, from file names and contents. */
export function sourceTar(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return Readable.from(pack);
}

export async function inProcessApi(opts: {
  /** A database of the test's own; by default a throwaway one named after `prefix`. */
  db?: Db;
  prefix?: string;
  config?: Partial<Config>;
  /** The Redis the API and its build queue use; default the platform's. */
  redisUrl?: string;
  /** The queue the build service puts build jobs on; default a random name. */
  buildQueue?: string;
  buildTimeoutMs?: number;
  /** Standby build dynos at most (platform/builds/build-dynos.ts); by default the service's own. */
  standbyBuildDynos?: number;
  /** Quotas, host memory and rate limit (platform/api/limits.ts); by default the API's own defaults. */
  limits?: ApiDeps["limits"];
  /** The time as the API sees it (expiries, the rate limit's refill); by default the real one. */
  clock?: () => Date;
  /** Prefix of the route keys it writes and reads (domains, certificates, providers' dynos); default a fresh one. */
  routeNamespace?: string;
} = {}): Promise<InProcessApi> {
  const config = { ...loadConfig(), ...opts.config };
  const throwaway = opts.db ? undefined : await throwawayDatabase(opts.prefix ?? "ouro_api_test");
  const db = opts.db ?? throwaway!.db;
  const url = opts.redisUrl ?? redisUrl(config);
  const redis = new Redis(url);
  const queue = new Queue<BuildJob>(opts.buildQueue ?? `test-builds-${randomBytes(4).toString("hex")}`, {
    connection: new Redis(url, { maxRetriesPerRequest: null }),
  });
  const blobsDir = mkdtempSync(join(tmpdir(), "ouro-api-blobs-"));
  const blobs = createBlobStore(blobsDir);
  const notified: string[] = [];
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const notifyFormation = async (app: string) => void notified.push(app);
  const builds = createBuildService({ config, db, redis, queue, blobs, notifyFormation, log, buildTimeoutMs: opts.buildTimeoutMs, standbyBuildDynos: opts.standbyBuildDynos });
  const routeNamespace = opts.routeNamespace ?? `test-${randomBytes(4).toString("hex")}:`;
  const deps: ApiDeps = { config, db, redis, blobs, builds, notifyFormation, limits: opts.limits, routeNamespace, clock: opts.clock };
  const servers: Server[] = [];
  const user = await ensureUser(db, `${opts.prefix ?? "api-test"}@ouro.local`);
  const key = await createApiKey(db, user.id);

  async function listen(overrides: Partial<Config> = {}) {
    const server = createApi({ ...deps, config: { ...config, ...overrides } }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    servers.push(server);
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  const main = await listen();
  return {
    url: main.url,
    deps,
    db,
    blobs,
    builds,
    queue,
    key,
    user,
    notified,
    logs,
    listen,
    createApp: (name) => createApp(db, { name, ownerId: user.id }),
    async recordDeploy(app, files, processTypes = {}) {
      const source = await blobs.put(sourceTar({ "package.json": "{}", ...files }));
      const build = await createBuild(db, { appId: app.id, userId: null, sourceChecksum: source.checksum, sourceVersion: null });
      const slug = await createSlug(db, {
        app_id: app.id,
        checksum: source.checksum,
        size: source.size,
        process_types: processTypes,
        commit: null,
        stack: "bookworm",
        buildpack_description: null,
      });
      const release = await createRelease(db, { appId: app.id, slugId: slug.id, description: "Deploy", userId: null });
      await finishBuild(db, build.id, { status: "succeeded", slugId: slug.id, releaseId: release.id });
      return release;
    },
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      if (!opts.routeNamespace) {
        const { appsChannel: _apps, routesChannel: _routes, ...keys } = routeKeys(routeNamespace);
        await redis.del(...Object.values(keys));
      }
      redis.disconnect();
      await throwaway?.drop();
      rmSync(blobsDir, { recursive: true, force: true });
    },
  };
}
