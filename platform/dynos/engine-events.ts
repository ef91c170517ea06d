// Docker's event stream, as a dyno manager needs it: which app's container just died, and
// whether the kernel's OOM killer killed it at its memory limit (Heroku's R15). The stream is
// newline-delimited JSON whose events may be split across chunks, so it is read line by line;
// it ends when dockerd restarts, so it is opened again.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import type { Redis } from "ioredis";
import { type Log, background } from "../lib/background.ts";
import { appendLog } from "../logs/index.ts";

/** One Ouro container's event, as far as the dyno manager cares. */
export interface EngineEvent {
  /** Docker's action: "die", "oom", … */
  action: string;
  containerId: string;
  app: string;
  /** The dyno's name (`web.1`), from its label. */
  dyno: string;
}

/** One event line, or undefined for a line that is not an Ouro container's event. Pure. */
export function parseEvent(line: string): EngineEvent | undefined {
  try {
    const event = JSON.parse(line) as { Action?: unknown; Actor?: { ID?: unknown; Attributes?: Record<string, unknown> } };
    const attributes = event.Actor?.Attributes ?? {};
    const app = attributes["ouro.app"];
    if (typeof app !== "string" || app === "") return undefined;
    const dyno = attributes["ouro.dyno"];
    return {
      action: typeof event.Action === "string" ? event.Action : "",
      containerId: typeof event.Actor?.ID === "string" ? event.Actor.ID : "",
      app,
      dyno: typeof dyno === "string" ? dyno : "",
    };
  } catch {
    return undefined;
  }
}

/** The app of one event line, or undefined for a line that is not an Ouro container's event. */
export const appOfEvent = (line: string): string | undefined => parseEvent(line)?.app;

/**
 * Which deaths the OOM killer caused: Docker reports "oom" for a container before its "die".
 * `died` answers once per death, and forgets the container. Pure.
 */
export function oomTracker(max = 10_000) {
  const oomed = new Set<string>();
  return {
    seen(event: EngineEvent) {
      if (event.action !== "oom") return;
      // Containers that hit their limit and live on (a child was killed) must not pile up.
      if (oomed.size >= max) oomed.delete(oomed.values().next().value!);
      oomed.add(event.containerId);
    },
    /** Whether the container of this "die" event had been OOM-killed. */
    died(event: EngineEvent): boolean {
      return oomed.delete(event.containerId);
    },
  };
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

/** The lines Heroku logs when it kills a dyno for its memory: the app's log gets them once per death. */
export async function logMemoryKill(redis: Redis, dead: Pick<EngineEvent, "app" | "dyno">): Promise<void> {
  for (const line of ["Error R15 (Memory quota vastly exceeded)", "Stopping process with SIGKILL"]) {
    await appendLog(redis, dead.app, { source: "ouro", dyno: dead.dyno, line });
  }
}

const REOPEN_MS = 2_000;

/**
 * Calls `onDeath(app)` whenever a container labelled with an app dies, for as long as the
 * process lives (or until `signal` aborts); before it, `onOomKilled` when the kernel killed that
 * container at its memory limit. Returns once the first stream is open.
 */
export async function watchDyingDynos(opts: {
  docker: Docker;
  namespace: string;
  log: Log;
  onDeath: (app: string) => void;
  onOomKilled?: (dead: EngineEvent) => Promise<void>;
  signal?: AbortSignal;
}): Promise<void> {
  const ooms = oomTracker();
  const open = async () => {
    const stream = (await opts.docker.getEvents({
      filters: { type: ["container"], event: ["die", "oom"], label: ["ouro.app", `ouro.namespace=${opts.namespace}`] },
    })) as unknown as Readable;
    opts.signal?.addEventListener("abort", () => stream.destroy(), { once: true });
    return stream;
  };

  // The event may come after the stream reopened, its "oom" lost: the container still knows.
  const wasOomKilled = async (event: EngineEvent) =>
    ooms.died(event) ||
    Boolean((await opts.docker.getContainer(event.containerId).inspect().catch(() => undefined))?.State.OOMKilled);

  const onEvent = (event: EngineEvent) => {
    ooms.seen(event);
    if (event.action !== "die") return;
    background(opts.log, `handling the death of ${event.app} ${event.dyno}`, async () => {
      try {
        if (opts.onOomKilled && (await wasOomKilled(event))) await opts.onOomKilled(event);
      } finally {
        opts.onDeath(event.app);
      }
    });
  };

  const follow = (stream: Readable) => {
    background(opts.log, "following docker's event stream", () =>
      eachLine(stream, (line) => {
        const event = parseEvent(line);
        if (event) onEvent(event);
      }).then(reopen),
    );
  };
  const reopen = () => {
    if (opts.signal?.aborted) return;
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
