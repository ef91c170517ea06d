// The api process: Platform API, git smart HTTP, blob store and log sessions.
import { createServer } from "node:http";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createBuildService } from "../builds/index.ts";
import { BUILD_QUEUE, type BuildJob } from "../lib/build-contract.ts";
import { createPool, listApps, migrate } from "../db/index.ts";
import { resetApps } from "../router/index.ts";
import { loadConfig, postgresUrl, redisUrl } from "../lib/config.ts";
import { createApi } from "./app.ts";

const config = loadConfig();
const db = createPool(postgresUrl(config));
await migrate(db);
const redis = new Redis(redisUrl(config));
const queue = new Queue<BuildJob>(BUILD_QUEUE, { connection: new Redis(redisUrl(config), { maxRetriesPerRequest: null }) });
const blobs = createBlobStore(join(config.dataDir, "blobs"));
const notifyFormation = async (app: string) => void (await redis.publish("ouro:formation:changed", app));
const builds = createBuildService({ config, db, redis, queue, blobs, notifyFormation });
await resetApps(redis, (await listApps(db, { includeSystem: true })).map((a) => a.name));
const queueEvents = new QueueEvents(BUILD_QUEUE, { connection: new Redis(redisUrl(config), { maxRetriesPerRequest: null }) });
queueEvents.on("failed", ({ jobId, failedReason }) => void builds.jobFailed(jobId, failedReason));
const api = createApi({ config, db, redis, blobs, builds, notifyFormation });

// Dynos reach the API through the Docker bridge gateway; nothing else needs it.
for (const host of ["127.0.0.1", config.bridgeHost]) {
  const server = createServer(api);
  server.requestTimeout = 0;
  server.listen(config.apiPort, host, () => console.log(`api listening on http://${host}:${config.apiPort}`));
  server.on("error", (error) => {
    console.error(`api cannot listen on ${host}:${config.apiPort}: ${error.message}`);
    if (host === "127.0.0.1") process.exit(1);
  });
}
