// The api process: Platform API, git smart HTTP, blob store and log sessions.
import { createServer } from "node:http";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createBuildService, resumeReleasePhases } from "../builds/index.ts";
import { collectBlobs } from "../builds/retention.ts";
import { background, exitOnUncaught, repeating, retrying } from "../lib/background.ts";
import { BUILD_QUEUE, type BuildJob } from "../lib/build-contract.ts";
import { FORMATION_CHANNEL } from "../lib/channels.ts";
import { createPool, listApps, listDrains, migrate } from "../db/index.ts";
import { createDrainForwarder } from "../logs/index.ts";
import { resetApps } from "../router/index.ts";
import { loadConfig, postgresUrl, redisUrl } from "../lib/config.ts";
import { createApi } from "./app.ts";
import { limitsFromEnv } from "./limits.ts";
import { createRoutingPublisher } from "./routing.ts";

const log = (line: string) => console.log(line);
exitOnUncaught("api");
const SWEEP_MS = 30_000;
/** How often the blob store drops the slugs and sources nothing needs (builds/retention.ts). */
const BLOB_SWEEP_MS = 60_000;

const config = loadConfig();
const limits = limitsFromEnv(process.env);
const db = createPool(postgresUrl(config));
await retrying(() => migrate(db), { log, what: "migrating the database" });
const redis = new Redis(redisUrl(config));
redis.on("error", (error: Error) => log(`redis: ${error.message}`));
// Each with a listener of its own: an outage is a log line, never ioredis's "Unhandled error event".
const bullConnection = () => {
  const connection = new Redis(redisUrl(config), { maxRetriesPerRequest: null });
  connection.on("error", (error: Error) => log(`redis (build queue): ${error.message}`));
  return connection;
};
const queue = new Queue<BuildJob>(BUILD_QUEUE, { connection: bullConnection() });
queue.on("error", (error: Error) => log(`build queue: ${error.message}`));
const blobs = createBlobStore(join(config.dataDir, "blobs"));
const notifyFormation = async (app: string) => void (await redis.publish(FORMATION_CHANNEL, app));
const builds = createBuildService({ config, db, redis, queue, blobs, notifyFormation, log });

// What a crash of the previous API left behind: builds past their deadline, release
// phases nobody watches. The deadline sweep also runs on, so no build stays pending.
await retrying(async () => resetApps(redis, (await listApps(db, { includeSystem: true })).map((a) => a.name)), {
  log,
  what: "announcing the apps to the router",
});
// Domains, certificates, maintenance and the internal apps, rewritten whole from the database.
await retrying(() => createRoutingPublisher({ db, redis }).resetAll(), { log, what: "publishing domains and certificates to the router" });
await retrying(() => builds.failExpiredBuilds(), { log, what: "failing builds past their deadline" });
await retrying(() => builds.dynos.closeEnded(), { log, what: "stopping the dynos of ended builds" });
await retrying(() => resumeReleasePhases({ db, redis, notifyFormation, log }), { log, what: "settling pending releases" });
repeating(log, "failing builds past their deadline", SWEEP_MS, () => builds.failExpiredBuilds());
repeating(log, "stopping the dynos of ended builds", SWEEP_MS, () => builds.dynos.closeEnded());
repeating(log, "closing standby build dynos no build took", SWEEP_MS, () => builds.dynos.closeStale());

const queueEvents = new QueueEvents(BUILD_QUEUE, { connection: bullConnection() });
queueEvents.on("error", (error: Error) => log(`build queue events: ${error.message}`));
queueEvents.on("failed", ({ jobId, failedReason }) =>
  background(log, `failing build ${jobId} that the builder gave up on`, () => builds.jobFailed(jobId, failedReason)),
);
const api = createApi({ config, db, redis, blobs, builds, notifyFormation, limits });
repeating(log, "deleting the slugs and sources nothing needs", BLOB_SWEEP_MS, async () => {
  const removed = await collectBlobs(db, blobs, limits.slugReleasesKept);
  if (removed > 0) log(`deleted ${removed} slug and source blob(s) that neither its app's ${limits.slugReleasesKept} newest releases nor a recent build needs`);
});
// Every drained app's log lines, to its drains (platform/logs/drains.ts).
const drains = createDrainForwarder({ redis, drains: () => listDrains(db), log });
await retrying(() => drains.start(), { log, what: "starting the log drains" });

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
