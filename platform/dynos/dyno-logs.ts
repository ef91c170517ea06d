// Follows a dyno's stdout/stderr and appends each line to its app's log stream.
import { PassThrough } from "node:stream";
import { createInterface } from "node:readline";
import type Docker from "dockerode";
import type { Redis } from "ioredis";
import { appendLog } from "../logs/index.ts";
import type { Engine } from "./engine.ts";

export function createLogFollower(opts: { docker: Docker; redis: Redis; engine: Engine }) {
  // Followed once per container, even after its stream ends: following an exited
  // container again would replay its last second of output.
  const following = new Set<string>();
  return {
    /** Drops containers that no longer exist. */
    forget(existing: Set<string>) {
      for (const id of following) if (!existing.has(id)) following.delete(id);
    },
    async follow(containerId: string, app: string, dyno: string, sinceSeconds: number): Promise<void> {
      if (following.has(containerId)) return;
      following.add(containerId);
      try {
        const stream = (await opts.engine.logs(containerId, sinceSeconds)) as unknown as NodeJS.ReadableStream;
        const lines = new PassThrough();
        opts.docker.modem.demuxStream(stream, lines, lines);
        stream.on("end", () => lines.end());
        void (async () => {
          for await (const line of createInterface({ input: lines })) {
            await appendLog(opts.redis, app, { source: "app", dyno, line }).catch(() => {});
          }
        })();
      } catch {
        following.delete(containerId);
      }
    },
  };
}
