// The real API in-process, for suites that drive routes: the real build service on a
// BullMQ queue of the test's own, the platform's Redis, a blob store in a temporary
// directory, over the database the test hands in (usually a throwaway one).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createApi } from "../../platform/api/index.ts";
import type { ApiDeps } from "../../platform/api/index.ts";
import { createBlobStore } from "../../platform/blobs/index.ts";
import { type BuildService, createBuildService } from "../../platform/builds/index.ts";
import type { Db } from "../../platform/db/index.ts";
import type { BuildJob } from "../../platform/lib/build-contract.ts";
import { type Config, loadConfig, redisUrl } from "../../platform/lib/config.ts";

export interface InProcessApi {
  url: string;
  deps: ApiDeps;
  builds: BuildService;
  queue: Queue<BuildJob>;
  /** Apps the API told the dyno manager about, in order. */
  notified: string[];
  /** Log lines of the API's background work. */
  logs: string[];
  /** Another API on the same deps with other config (e.g. another router port). */
  listen(config?: Partial<Config>): Promise<{ url: string; close: () => Promise<void> }>;
  close(): Promise<void>;
}

export async function inProcessApi(opts: { db: Db; config?: Partial<Config>; buildTimeoutMs?: number }): Promise<InProcessApi> {
  const config = { ...loadConfig(), ...opts.config };
  const redis = new Redis(redisUrl(config));
  const queue = new Queue<BuildJob>(`test-builds-${randomBytes(4).toString("hex")}`, {
    connection: new Redis(redisUrl(config), { maxRetriesPerRequest: null }),
  });
  const blobsDir = mkdtempSync(join(tmpdir(), "ouro-api-blobs-"));
  const blobs = createBlobStore(blobsDir);
  const notified: string[] = [];
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const notifyFormation = async (app: string) => void notified.push(app);
  const builds = createBuildService({ config, db: opts.db, redis, queue, blobs, notifyFormation, log, buildTimeoutMs: opts.buildTimeoutMs });
  const deps: ApiDeps = { config, db: opts.db, redis, blobs, builds, notifyFormation };
  const servers: Server[] = [];

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
    builds,
    queue,
    notified,
    logs,
    listen,
    async close() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      redis.disconnect();
      rmSync(blobsDir, { recursive: true, force: true });
    },
  };
}
