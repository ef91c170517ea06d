// The dynos process: converges the Docker engine on the desired formations.
import { join } from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createPool, migrate } from "../db/index.ts";
import { loadConfig, postgresUrl, redisUrl } from "../lib/config.ts";
import { createDynoManager } from "./manager.ts";

const TICK_MS = 5_000;
const config = loadConfig();
const db = createPool(postgresUrl(config));
await migrate(db);
const redis = new Redis(redisUrl(config));
const docker = new Docker();
const blobs = createBlobStore(join(config.dataDir, "blobs"));
const manager = createDynoManager({
  docker,
  db,
  redis,
  stackImage: config.stackImage,
  slugPath: (checksum) => blobs.path(checksum),
  namespace: process.env.OURO_NAMESPACE ?? "ouro",
  strategy: process.env.OURO_DEPLOY_STRATEGY === "serial" ? "serial" : "parallel",
});

const events = new Redis(redisUrl(config));
await events.subscribe("ouro:formation:changed", "ouro:dynos:restart");
events.on("message", (channel: string, app: string) => {
  void (channel === "ouro:dynos:restart" ? manager.restart(app) : manager.reconcileApp(app));
});

// A dyno that exits is noticed at once, not at the next tick.
const engineEvents = await docker.getEvents({ filters: { type: ["container"], event: ["die"], label: ["ouro.app"] } });
engineEvents.on("data", (chunk: Buffer) => {
  for (const line of chunk.toString().split("\n").filter(Boolean)) {
    const app = (JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes?.["ouro.app"];
    if (app) void manager.reconcileApp(app);
  }
});

await manager.reconcileAll();
setInterval(() => void manager.reconcileAll(), TICK_MS);
console.log("dyno manager running");
