// The dynos process: converges the Docker engine on the desired formations.
import { join } from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { createBlobStore } from "../blobs/index.ts";
import { createPool, migrate } from "../db/index.ts";
import { background, exitOnUncaught, repeating, retrying } from "../lib/background.ts";
import { FORMATION_CHANNEL, RESIZE_CHANNEL, RESTART_CHANNEL, SLUG_CHANNEL, parseRestartMessage } from "../lib/channels.ts";
import { loadConfig, postgresUrl, redisUrl } from "../lib/config.ts";
import { BUILD_NETWORK, ensureBuildNetwork } from "./build-network.ts";
import { logMemoryKill, watchDyingDynos } from "./engine-events.ts";
import { createDynoManager } from "./manager.ts";
import { createDynoFs } from "./dyno-fs.ts";
import { createAppNetworks } from "./app-networks.ts";
import { hostPorts } from "./app-paths.ts";
import { appNetworkFacts, claimAttachment } from "../db/index.ts";
import { ensureRendezvousCert } from "../lib/rendezvous-cert.ts";
import { parseResizeMessage } from "../lib/run-contract.ts";
import { createRendezvous } from "./rendezvous.ts";

const TICK_MS = 5_000;
const log = (line: string) => console.log(line);
exitOnUncaught("dynos");

const config = loadConfig();
const namespace = process.env.OURO_NAMESPACE ?? "ouro";
const db = createPool(postgresUrl(config));
await retrying(() => migrate(db), { log, what: "migrating the database" });
const redis = new Redis(redisUrl(config));
redis.on("error", (error: Error) => log(`redis: ${error.message}`));
const docker = new Docker();
const blobs = createBlobStore(join(config.dataDir, "blobs"));
const ensureNetwork = () => ensureBuildNetwork(docker, { apiPort: config.apiPort });
await retrying(ensureNetwork, { log, what: "setting up the build network" });
const appNetworks = createAppNetworks({
  docker,
  namespace,
  pool: config.dynoNetworkPool,
  ports: hostPorts(config),
  facts: (appId) => appNetworkFacts(db, appId),
  log,
});
const dynoFs = createDynoFs(join(config.dataDir, "dyno-fs"));
const manager = createDynoManager({
  docker,
  db,
  redis,
  stackImage: config.stackImage,
  slugPath: (checksum) => blobs.path(checksum),
  dynoFs,
  namespace,
  buildNetwork: { name: BUILD_NETWORK, ensure: ensureNetwork },
  appNetworks,
  log,
});

// ioredis subscribes again by itself after a reconnect; a change missed meanwhile is
// caught by the steady tick.
const events = new Redis(redisUrl(config));
events.on("error", (error: Error) => log(`redis (events): ${error.message}`));
await retrying(() => events.subscribe(FORMATION_CHANNEL, RESTART_CHANNEL, RESIZE_CHANNEL, SLUG_CHANNEL), { log, what: "subscribing to formation changes" });
events.on("message", (channel: string, message: string) => {
  if (channel === SLUG_CHANNEL) {
    // Checked: the name of the slug's blob is made of it.
    if (/^SHA256:[0-9a-f]{64}$/.test(message)) background(log, `unpacking slug ${message}`, () => dynoFs.slug(message, blobs.path(message)));
  } else if (channel === RESIZE_CHANNEL) {
    const resize = parseResizeMessage(message);
    if (resize) background(log, `resizing the terminal of run ${resize.runId}`, () => manager.resizeRun(resize.runId, resize));
  } else if (channel === RESTART_CHANNEL) {
    const restart = parseRestartMessage(message);
    if (restart) background(log, `restarting ${restart.app}'s ${restart.dyno}`, () => manager.restartDyno(restart.app, restart.dyno));
  }
  else background(log, `reconciling ${message}`, () => manager.reconcileApp(message));
});

// A dyno that exits is noticed at once, not at the next tick; one killed at its memory limit
// gets Heroku's R15 in its app's log first.
await retrying(
  () =>
    watchDyingDynos({
      docker,
      namespace,
      log,
      onDeath: (app) => background(log, `reconciling ${app}`, () => manager.reconcileApp(app)),
      onOomKilled: (dead) => logMemoryKill(redis, dead),
    }),
  { log, what: "opening the Docker event stream" },
);

// Attached one-off dynos' clients connect here (127.0.0.1 only: the users of this host).
const rendezvous = createRendezvous({
  tls: ensureRendezvousCert(config.dataDir),
  claim: (secretHash) => claimAttachment(db, secretHash),
  onAttach: (run, socket) => manager.attach(run, socket),
  log,
});
await retrying(() => rendezvous.listen(config.rendezvousPort, "127.0.0.1"), { log, what: `listening on 127.0.0.1:${config.rendezvousPort} (rendezvous)` });

background(log, "the first reconcile", () => manager.reconcileAll());
repeating(log, "the periodic reconcile", TICK_MS, () => manager.reconcileAll());
console.log("dyno manager running");
