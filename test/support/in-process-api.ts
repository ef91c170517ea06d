// The real API (platform/api's createApi and the real build service) in this process, on a
// throwaway database, a temporary blob store and a Redis of the suite's choosing: for code under
// test that calls the API, so the test cannot drift from the routes it calls. No dyno manager
// watches this database: formation changes are only recorded in `notified`.
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
import { type BlobStore, createBlobStore } from "../../platform/blobs/index.ts";
import { type BuildJob, type BuildService, createBuildService } from "../../platform/builds/index.ts";
import { type AppRow, type Db, type User, createApiKey, createApp, createBuild, createRelease, createSlug, ensureUser, finishBuild } from "../../platform/db/index.ts";
import { loadConfig } from "../../platform/lib/config.ts";
import { throwawayDatabase } from "./database.ts";

export interface InProcessApi {
  url: string;
  /** An API key of `user`, who owns every app made through `createApp`. */
  key: string;
  user: User;
  db: Db;
  blobs: BlobStore;
  builds: BuildService;
  /** Apps whose formation the API announced, in order. */
  notified: string[];
  /** What the API and its build service logged. */
  log: string[];
  createApp(name: string): Promise<AppRow>;
  /** A push as the kernel records it, without a builder: source blob → build → slug → release. */
  recordDeploy(app: AppRow, files: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/** A source tar as `git archive` sends it, from file names and contents. */
export function sourceTar(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return Readable.from(pack);
}

export async function startInProcessApi(options: {
  /** Names the throwaway database. */
  prefix: string;
  redisUrl: string;
  /** The queue the build service puts build jobs on. */
  buildQueue: string;
}): Promise<InProcessApi> {
  const config = loadConfig();
  const { db, drop } = await throwawayDatabase(options.prefix);
  const blobDir = mkdtempSync(join(tmpdir(), `ouro-${options.prefix}-blobs-`));
  const blobs = createBlobStore(blobDir);
  const redis = new Redis(options.redisUrl);
  const queue = new Queue<BuildJob>(options.buildQueue, { connection: { url: options.redisUrl, maxRetriesPerRequest: null } });
  const notified: string[] = [];
  const log: string[] = [];
  const notifyFormation = async (app: string) => void notified.push(app);
  const builds = createBuildService({ config, db, redis, queue, blobs, notifyFormation, log: (line) => log.push(line) });
  const server: Server = createApi({ config, db, redis, blobs, builds, notifyFormation }).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const user = await ensureUser(db, `${options.prefix}@ouro.local`);
  const key = await createApiKey(db, user.id);

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    user,
    db,
    blobs,
    builds,
    notified,
    log,
    createApp: (name) => createApp(db, { name, ownerId: user.id }),
    async recordDeploy(app, files) {
      const source = await blobs.put(sourceTar({ "package.json": "{}", ...files }));
      const build = await createBuild(db, { appId: app.id, userId: null, sourceChecksum: source.checksum, sourceVersion: null });
      // No process types, so no formation: nothing waits for dynos.
      const slug = await createSlug(db, { app_id: app.id, checksum: source.checksum, size: source.size, process_types: {}, commit: null, stack: "bookworm", buildpack_description: null });
      const release = await createRelease(db, { appId: app.id, slugId: slug.id, description: "Deploy", userId: null });
      await finishBuild(db, build.id, { status: "succeeded", slugId: slug.id, releaseId: release.id });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await queue.close();
      redis.disconnect();
      await drop();
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}
