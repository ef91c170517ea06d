// The router process: HTTP on OURO_ROUTER_PORT and HTTPS on OURO_ROUTER_TLS_PORT, one route
// table and one pool of dyno connections for both.
import type { Server } from "node:net";
import { Redis } from "ioredis";
import { exitOnUncaught } from "../lib/background.ts";
import { loadConfig, redisUrl } from "../lib/config.ts";
import { createRouterLog } from "./access-log.ts";
import { ensureDefaultCertificate } from "./default-cert.ts";
import { followRouteChanges } from "./follow.ts";
import { createDynoPool, createProxy } from "./proxy.ts";
import { createRouteTable } from "./table.ts";

const log = (line: string) => console.log(line);
exitOnUncaught("router");

const config = loadConfig();
const connect = (what: string, options: { enableOfflineQueue?: boolean } = {}) => {
  const redis = new Redis(redisUrl(config), options);
  redis.on("error", (error: Error) => log(`redis (${what}): ${error.message}`));
  return redis;
};
const pool = createDynoPool();
const table = createRouteTable({ domain: config.domain, log, onRemoved: (backend) => pool.drop(backend.address) });
await followRouteChanges({ table, redis: connect("table"), events: connect("events"), log });
// Lines wait in the router's own bounded buffer, never in the client's queue, while Redis is away.
const routerLog = createRouterLog({ redis: connect("logs", { enableOfflineQueue: false }), log });

const listen = (server: Server, port: number, what: string) => {
  server.on("error", (error: Error) => {
    log(`router cannot listen on :${port} (${what}): ${error.message}`);
    process.exit(1);
  });
  server.listen(port, "0.0.0.0", () => log(`router listening on :${port} (${what})`));
};
listen(createProxy({ table, port: config.routerPort, log: routerLog, say: log, pool }), config.routerPort, "http");
const tls = ensureDefaultCertificate(config.dataDir, config.domain);
listen(createProxy({ table, port: config.routerTlsPort, tls, log: routerLog, say: log, pool }), config.routerTlsPort, "https");
