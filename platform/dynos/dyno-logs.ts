// Follows a dyno's stdout/stderr and appends each line to its app's log stream.
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { Redis } from "ioredis";
import { type Log, background } from "../lib/background.ts";
import { appendLog, boundedLines } from "../logs/index.ts";
import type { Engine } from "./engine.ts";

const MAX_BEHIND = 1024 * 1024;

export function createLogFollower(opts: { docker: Docker; redis: Redis; engine: Engine; log: Log }) {
  const { log } = opts;
  // Followed once per container, even after its stream ends: following an exited
  // container again would replay its last second of output.
  const following = new Set<string>();

  /** Copies lines to Redis; a Redis outage loses lines, logged once per outage, not once per line. */
  async function copy(lines: PassThrough, app: string, dyno: string) {
    let failing = false;
    for await (const line of boundedLines(lines)) {
      try {
        await appendLog(opts.redis, app, { source: "app", dyno, line });
        failing = false;
      } catch (error) {
        if (!failing) log(`${app} ${dyno}: log lines lost, appending to Redis failed: ${(error as Error).message}`);
        failing = true;
      }
    }
  }

  return {
    /** Drops containers that no longer exist. */
    forget(existing: Set<string>) {
      for (const id of following) if (!existing.has(id)) following.delete(id);
    },
    /** Starts following a container's output; never rejects: a failure is logged. */
    follow(containerId: string, app: string, dyno: string, sinceSeconds: number): void {
      if (following.has(containerId)) return;
      following.add(containerId);
      background(log, `${app} ${dyno}: following the output of container ${containerId.slice(0, 12)}`, async () => {
        let stream: NodeJS.ReadableStream;
        try {
          stream = (await opts.engine.logs(containerId, sinceSeconds)) as unknown as NodeJS.ReadableStream;
        } catch (error) {
          // A container that keeps no log (an attached one-off dyno: its client gets its output) has none to follow.
          if ((error as { statusCode?: number }).statusCode === 501) return;
          // Not following it, so a later reconcile may try again.
          following.delete(containerId);
          throw error;
        }
        const lines = new PassThrough();
        // The demuxer writes whatever arrives, with no regard for backpressure: past MAX_BEHIND
        // bytes not yet copied to Redis, output is dropped (said once per burst), so a dyno
        // printing faster than Redis takes it cannot grow the dyno manager's memory.
        let dropping = false;
        const sink = {
          write(chunk: Buffer) {
            if (lines.writableLength > MAX_BEHIND) {
              if (!dropping) background(log, `${app} ${dyno}: noting dropped output`, () => appendLog(opts.redis, app, { source: "ouro", dyno, line: "Error L10 (output buffer overflow): this dyno's output came faster than it could be stored; some lines were dropped" }));
              dropping = true;
              return true;
            }
            dropping = false;
            return lines.write(chunk);
          },
        } as unknown as NodeJS.WritableStream;
        opts.docker.modem.demuxStream(stream, sink, sink);
        stream.on("end", () => lines.end());
        // A stream that errors (the engine restarting) has no other listener: unheard, it would end the process.
        stream.on("error", (error: Error) => {
          log(`${app} ${dyno}: output stream of container ${containerId.slice(0, 12)} failed: ${error.message}`);
          lines.end();
        });
        await copy(lines, app, dyno);
      });
    },
  };
}
