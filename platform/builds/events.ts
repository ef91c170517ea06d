// A build's event stream in Redis: output lines while it runs, then one `done`
// entry. The git hook follows it to show the build to the pusher.
import type { Redis } from "ioredis";

export type BuildEvent = { type: "line"; text: string } | { type: "done"; ok: boolean; message: string };

const key = (buildId: string) => `ouro:build:${buildId}`;
const KEEP_SECONDS = 24 * 3600;

export async function emitBuildEvent(redis: Redis, buildId: string, event: BuildEvent): Promise<void> {
  await redis.multi().xadd(key(buildId), "*", "event", JSON.stringify(event)).expire(key(buildId), KEEP_SECONDS).exec();
}

/** Sends every event from the start until `done`; `redis` must be a connection of its own. */
export async function followBuildEvents(
  redis: Redis,
  buildId: string,
  emit: (event: BuildEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  let last = "0-0";
  while (!signal.aborted) {
    const batch = (await redis.xread("BLOCK", 5000, "STREAMS", key(buildId), last)) as
      | [string, [string, string[]][]][]
      | null;
    for (const [id, fields] of batch?.[0]?.[1] ?? []) {
      last = id;
      const event = JSON.parse(fields[1] ?? "{}") as BuildEvent;
      emit(event);
      if (event.type === "done") return;
    }
  }
}
