// A build's event stream in Redis: output lines while it runs, then one `done`
// entry, kept a day. The git hook follows it to show the build to the pusher, and the build's
// output_stream_url to anyone who reads the build.
import type { Redis } from "ioredis";

export type BuildEvent = { type: "line"; text: string } | { type: "done"; ok: boolean; message: string };

const key = (buildId: string) => `ouro:build:${buildId}`;
const KEEP_SECONDS = 24 * 3600;

export async function emitBuildEvent(redis: Redis, buildId: string, event: BuildEvent): Promise<void> {
  await redis.multi().xadd(key(buildId), "*", "event", JSON.stringify(event)).expire(key(buildId), KEEP_SECONDS).exec();
}

/** Whether the build's events are still kept (a day after it started). */
export async function buildEventsKept(redis: Redis, buildId: string): Promise<boolean> {
  return (await redis.exists(key(buildId))) === 1;
}

const ENTRY_ID = /^\d+-\d+$/;

/**
 * Sends every event (with its entry id) from the start, or after entry `after`, until `done`;
 * `redis` must be a connection of its own. `ended` (the build settled: db buildSettled) ends the
 * wait for a build that ended without a `done` (its API died between the two): asked whenever
 * 5 s pass without an event, it must say so twice in a row, so that what an API was writing as
 * the build settled (its last lines, then `done`) is read first.
 */
export async function followBuildEvents(
  redis: Redis,
  buildId: string,
  emit: (event: BuildEvent, id: string) => void,
  signal: AbortSignal,
  opts: { after?: string; ended?: () => Promise<boolean> } = {},
): Promise<void> {
  let last = opts.after && ENTRY_ID.test(opts.after) ? opts.after : "0-0";
  type Batch = [string, [string, string[]][]][] | null;
  const read = async () => ((await redis.xread("BLOCK", 5000, "STREAMS", key(buildId), last)) as Batch)?.[0]?.[1] ?? [];
  let quietAndEnded = 0;
  while (!signal.aborted) {
    const entries = await read();
    quietAndEnded = entries.length === 0 && opts.ended !== undefined && (await opts.ended()) ? quietAndEnded + 1 : 0;
    for (const [id, fields] of entries) {
      last = id;
      const event = JSON.parse(fields[1] ?? "{}") as BuildEvent;
      emit(event, id);
      if (event.type === "done") return;
    }
    if (quietAndEnded === 2) return;
  }
}
