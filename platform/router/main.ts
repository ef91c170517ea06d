// The router process.
import { Redis } from "ioredis";
import { loadConfig, redisUrl } from "../lib/config.ts";
import { createProxy } from "./proxy.ts";
import { APPS_CHANNEL, ROUTES_CHANNEL, createRouteTable } from "./table.ts";

const config = loadConfig();
const redis = new Redis(redisUrl(config));
const table = createRouteTable();
await table.load(redis);
const events = new Redis(redisUrl(config));
await events.subscribe(ROUTES_CHANNEL, APPS_CHANNEL);
events.on("message", () => void table.load(redis));
// A missed message (Redis restart) heals at the next reload.
setInterval(() => void table.load(redis), 10_000);

const server = createProxy({ table, domain: config.domain, port: config.routerPort });
server.listen(config.routerPort, "0.0.0.0", () => console.log(`router listening on :${config.routerPort}`));
