// Docker's event stream, as a dyno manager needs it: which app's container just died.
// The stream is newline-delimited JSON whose events may be split across chunks, so it
// is read line by line; it ends when dockerd restarts, so it is opened again.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { type Log, background } from "../lib/background.ts";

/** The app of one event line, or undefined for a line that is not an Ouro container's event. */
export function appOfEvent(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, unknown> } };
    const app = event.Actor?.Attributes?.["ouro.app"];
    return typeof app === "string" && app !== "" ? app : undefined;
  } catch {
    return undefined;
  }
}

/** Calls `onLine` for each whole line of `stream`, however the bytes were chunked. */
export function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on("line", (line) => line.trim() && onLine(line));
    lines.on("close", resolve);
    // readline passes the stream's error on; the stream has ended either way.
    lines.on("error", () => lines.close());
    stream.on("close", () => lines.close());
  });
}

const REOPEN_MS = 2_000;

/**
 * Calls `onDeath(app)` whenever a container labelled with an app dies, for as long as the
 * process lives; returns once the first stream is open.
 */
export async function watchDyingDynos(opts: {
  docker: Docker;
  namespace: string;
  log: Log;
  onDeath: (app: string) => void;
}): Promise<void> {
  const open = async () =>
    (await opts.docker.getEvents({
      filters: { type: ["container"], event: ["die"], label: ["ouro.app", `ouro.namespace=${opts.namespace}`] },
    })) as unknown as Readable;

  const follow = (stream: Readable) => {
    background(opts.log, "following docker's event stream", () =>
      eachLine(stream, (line) => {
        const app = appOfEvent(line);
        if (app) opts.onDeath(app);
      }).then(reopen),
    );
  };
  const reopen = () => {
    opts.log(`docker event stream ended; reopening in ${REOPEN_MS} ms`);
    setTimeout(() => {
      open().then(follow, (error: Error) => {
        opts.log(`docker event stream could not be opened: ${error.message}`);
        reopen();
      });
    }, REOPEN_MS);
  };
  follow(await open());
}
