// The router as the benchmark runs it: platform/router's own proxy, route table and log writer,
// fed from the platform's Redis in a namespace of the benchmark's own, one process (or one per
// `BENCH_PROCESSES`, sharing the port) — what platform/router/main.ts does, minus HTTPS.
//   BENCH_NAMESPACE=… BENCH_PORT=… node --import tsx test/bench/router/serve.ts
import cluster from "node:cluster";
import { Redis } from "ioredis";
import { loadConfig, redisUrl } from "../../../platform/lib/config.ts";
import { createRouterLog } from "../../../platform/router/access-log.ts";
import { followRouteChanges } from "../../../platform/router/follow.ts";
import { createDynoPool, createProxy } from "../../../platform/router/proxy.ts";
import { createRouteTable } from "../../../platform/router/table.ts";

const namespace = process.env.BENCH_NAMESPACE!;
const port = Number(process.env.BENCH_PORT);
const processes = Number(process.env.BENCH_PROCESSES ?? "1");
const log = (line: string) => console.error(line);

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
} else {
  const config = loadConfig();
  const connect = (options: { enableOfflineQueue?: boolean } = {}) => {
    const redis = new Redis(redisUrl(config), options);
    redis.on("error", (error: Error) => log(`redis: ${error.message}`));
    return redis;
  };
  const pool = createDynoPool();
  const table = createRouteTable({ namespace, domain: config.domain, log, onRemoved: (backend) => pool.drop(backend.address) });
  await followRouteChanges({ table, redis: connect(), events: connect(), log });
  const routerLog = createRouterLog({ redis: connect({ enableOfflineQueue: false }), log });
  createProxy({ table, port, log: routerLog, say: log, pool }).listen(port, "127.0.0.1", () => log(`ready ${process.pid}`));
}
// A normal exit on a signal, so that `--cpu-prof` writes its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(0));
