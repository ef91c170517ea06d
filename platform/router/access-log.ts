// One line per request in the app's log stream, in Heroku's router format, with source `router`.
// The request path only pushes a string onto an array; a timer sends what gathered to Redis in one
// pipeline every few ms, one command per app (platform/logs: queueLogEntries). Nothing on the request path awaits Redis: while Redis is away, lines
// gather up to a bound and then are dropped (and counted), and requests go on as before.
import type { Redis } from "ioredis";
import { type Log, background } from "../lib/background.ts";
import { type LogLine, queueLogEntries } from "../logs/index.ts";
import { ERRORS, type ErrorCode } from "./pages.ts";

export interface RequestRecord {
  app: string;
  method: string;
  path: string;
  host: string;
  requestId: string;
  /** The X-Forwarded-For the dyno got. */
  fwd: string;
  /** `web.1`; `none` when no dyno was reached. */
  dyno: string;
  connectMs: number;
  serviceMs: number;
  status: number;
  /** Bytes of the response body the client was sent. */
  bytes: number;
  protocol: "http" | "https";
  code?: ErrorCode;
}

const quote = (text: string) => JSON.stringify(text);

export function formatRouterLine(r: RequestRecord): string {
  const at = r.code ? `at=error code=${r.code} desc="${ERRORS[r.code]}"` : "at=info";
  return `${at} method=${r.method} path=${quote(r.path)} host=${r.host} request_id=${r.requestId} fwd=${quote(r.fwd)} dyno=${r.dyno} connect=${r.connectMs}ms service=${r.serviceMs}ms status=${r.status} bytes=${r.bytes} protocol=${r.protocol}`;
}

/** Where router lines go; `write` costs the caller an array push. */
export interface RouterLog {
  write(app: string, line: string): void;
  /** Sends what is pending now (tests, shutdown). */
  flush(): Promise<void>;
  /** Lines dropped because Redis did not take them fast enough. */
  readonly dropped: number;
}

export const ROUTER_SOURCE = "router";
const SAY_EVERY_MS = 10_000;
const PER_COMMAND = 500;

export function createRouterLog(opts: { redis: Redis; flushMs?: number; maxPending?: number; log?: Log }): RouterLog {
  const flushMs = opts.flushMs ?? 5;
  const maxPending = opts.maxPending ?? 20_000;
  let pending: string[] = []; // app, line, app, line, …
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | undefined;
  let dropped = 0;
  /** Losses are said in the router's own log at most every SAY_EVERY_MS, not once per batch. */
  let unsaid = 0;
  let saidAt = 0;
  let why = "";
  const lose = (lines: number, reason: string) => {
    dropped += lines;
    unsaid += lines;
    why = reason;
  };
  const sayLosses = () => {
    if (!unsaid || Date.now() - saidAt < SAY_EVERY_MS) return;
    opts.log?.(`router: ${unsaid} log lines dropped (${why})`);
    unsaid = 0;
    saidAt = Date.now();
  };

  function schedule() {
    timer ??= setTimeout(() => {
      timer = undefined;
      background(opts.log ?? (() => {}), "sending router log lines", send);
    }, flushMs);
  }

  /** One pipeline at a time: a slow or absent Redis holds one batch, and the rest waits in `pending`. */
  function send(): Promise<void> {
    if (sending || pending.length === 0) return sending ?? Promise.resolve();
    const batch = pending;
    pending = [];
    // Each app's lines in order, at most PER_COMMAND to a command.
    const byApp = new Map<string, Omit<LogLine, "at">[]>();
    for (let i = 0; i < batch.length; i += 2) {
      let lines = byApp.get(batch[i]!);
      if (!lines) byApp.set(batch[i]!, (lines = []));
      lines.push({ source: ROUTER_SOURCE, dyno: ROUTER_SOURCE, line: batch[i + 1]! });
    }
    const pipeline = opts.redis.pipeline();
    const sizes: number[] = [];
    for (const [app, lines] of byApp) {
      for (let start = 0; start < lines.length; start += PER_COMMAND) {
        const part = lines.slice(start, start + PER_COMMAND);
        queueLogEntries(pipeline, app, part);
        sizes.push(part.length);
      }
    }
    sending = pipeline
      .exec()
      .then(
        (results) => {
          // A pipeline answers each command; a command that failed lost its lines.
          (results ?? []).forEach(([error], i) => error && lose(sizes[i]!, error.message));
        },
        (error: Error) => lose(batch.length / 2, error.message),
      )
      .finally(() => {
        sending = undefined;
        sayLosses();
        if (pending.length) schedule();
      });
    return sending;
  }

  return {
    write(app, line) {
      if (pending.length >= maxPending * 2) return lose(1, "Redis is slow or away");
      pending.push(app, line);
      if (!sending) schedule();
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      while (sending || pending.length) await send();
    },
    get dropped() {
      return dropped;
    },
  };
}
