// The router process.
import { Redis } from "ioredis";
import { background, exitOnUncaught, repeating, retrying } from "../lib/background.ts";
import { APPS_CHANNEL, ROUTES_CHANNEL } from "../lib/channels.ts";
import { loadConfig, redisUrl } from "../lib/config.ts";
import { createProxy } from "./proxy.ts";
import { createRouteTable } from "./table.ts";

const log = (line: string) => console.log(line);
exitOnUncaught("router");

const config = loadConfig();
const redis = new Redis(redisUrl(config));
redis.on("error", (error: Error) => log(`redis: ${error.message}`));
const table = createRouteTable();
await retrying(() => table.load(redis), { log, what: "loading the route table" });
const events = new Redis(redisUrl(config));
events.on("error", (error: Error) => log(`redis (events): ${error.message}`));
await retrying(() => events.subscribe(ROUTES_CHANNEL, APPS_CHANNEL), { log, what: "subscribing to route changes" });
events.on("message", () => background(log, "reloading the route table", () => table.load(redis)));
// A missed message (Redis restart) heals at the next reload; until then the last table serves.
repeating(log, "the periodic route table reload", 10_000, () => table.load(redis));

const server = createProxy({ table, domain: config.domain, port: config.routerPort });
server.on("error", (error: Error) => {
  log(`router cannot listen on :${config.routerPort}: ${error.message}`);
  process.exit(1);
});
server.listen(config.routerPort, "0.0.0.0", () => console.log(`router listening on :${config.routerPort}`));
