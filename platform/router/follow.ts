// Keeps a route table in step with Redis: a reload on every change event (within milliseconds of
// the write), coalesced so that a burst of events costs one or two loads, and a periodic reload
// that heals a missed message (a Redis restart). Until a reload succeeds, the last table serves.
import type { Redis } from "ioredis";
import { type Log, background, repeating, retrying } from "../lib/background.ts";
import type { RouteTable } from "./table.ts";

export async function followRouteChanges(opts: {
  table: RouteTable;
  /** For the loads. */
  redis: Redis;
  /** A connection of its own: it is put into subscriber mode. */
  events: Redis;
  log: Log;
  everyMs?: number;
}): Promise<{ stop: () => void }> {
  const { table, redis, log } = opts;
  let loading = false;
  let again = false;
  const reload = async () => {
    if (loading) return void (again = true);
    loading = true;
    try {
      do {
        again = false;
        await table.load(redis).catch((error: Error) => log(`router: reloading the route table failed: ${error.message}`));
      } while (again);
    } finally {
      loading = false;
    }
  };
  await retrying(() => table.load(redis), { log, what: "loading the route table" });
  const onMessage = () => background(log, "reloading the route table", reload);
  opts.events.on("message", onMessage);
  await retrying(() => opts.events.subscribe(table.keys.routesChannel, table.keys.appsChannel), { log, what: "subscribing to route changes" });
  const periodic = repeating(log, "the periodic route table reload", opts.everyMs ?? 10_000, reload);
  return {
    stop() {
      periodic.stop();
      opts.events.off("message", onMessage);
    },
  };
}
