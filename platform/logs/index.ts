// App log streams in Redis: one capped stream per app, fed by the dyno manager
// (dyno output), the build service and the platform's own events.
import type { ChainableCommander, Redis } from "ioredis";
import { redisScript } from "../lib/redis-script.ts";
import { cutLine } from "./lines.ts";

export { MAX_LINE_BYTES, boundedLines, cutLine } from "./lines.ts";
export { LOG_SESSION_TTL_MS, type LogSessionGrant, logSessionQuery, openLogSession } from "./session.ts";
export { type Drain, createDrainForwarder, framed, syslogMessage } from "./drains.ts";

export interface LogLine {
  /** When it was stored, to the millisecond (the stream entry's id)… */
  at: Date;
  /** …and the microseconds past that millisecond (0–999), from Redis's clock as it stored the line. */
  micros?: number;
  source: string; // "app" | "ouro" | "router"
  dyno: string; // "web.1", "build", "api"
  line: string;
}

/** The lines an app's log keeps: its window. */
export const LOG_WINDOW = 1500;
const MAX_LINES = LOG_WINDOW;
/** A stream nobody wrote to for this long goes. */
const KEEP_SECONDS = 7 * 24 * 3600;
const key = (app: string) => `ouro:logs:${app}`;

// Each line's entry id is the millisecond of Redis's clock as it stores the line, and its `us` the
// microseconds past it (logplex's lines show microseconds; stream ids keep milliseconds): both
// from one reading of TIME, so lines read in order are in time order to the microsecond. Should
// that clock be behind the stream's newest id (a clock stepped back), Redis picks the id and the
// line's microseconds are unknown (0).
const ADD_LINE = `
local function add(key, source, dyno, line, now)
  local ok = redis.pcall('XADD', key, 'MAXLEN', '~', ${MAX_LINES}, now.ms .. '-*', 'source', source, 'dyno', dyno, 'line', line, 'us', now.us)
  if type(ok) == 'table' and ok.err then
    redis.call('XADD', key, 'MAXLEN', '~', ${MAX_LINES}, '*', 'source', source, 'dyno', dyno, 'line', line, 'us', 0)
  end
end
local clock = redis.call('TIME')
local now = { ms = clock[1] * 1000 + math.floor(clock[2] / 1000), us = clock[2] % 1000 }
`;

const APPEND_ONE = `${ADD_LINE}
add(KEYS[1], ARGV[1], ARGV[2], ARGV[3], now)
redis.call('EXPIRE', KEYS[1], ${KEEP_SECONDS})
return 0`;

const appendOne = redisScript<number>("ouroAppendLogLine", APPEND_ONE, 1);

export async function appendLog(redis: Redis, app: string, entry: Omit<LogLine, "at" | "micros">): Promise<void> {
  await appendOne(redis, key(app), entry.source, entry.dyno, cutLine(entry.line));
}

/**
 * A change made through the API, in the app's log as Heroku's API writes it:
 * `app[api]: Scaled to web@2:standard-1X by user ann@example.com`; several lines in one command.
 */
export async function appendApiEvent(redis: Redis, app: string, text: string | readonly string[], by: string | null | undefined): Promise<void> {
  const lines = (typeof text === "string" ? [text] : text).map((t) => ({ source: "app", dyno: "api", line: by ? `${t} by user ${by}` : t }));
  const [result] = (await queueLogEntries(redis.pipeline(), app, lines).exec()) ?? [];
  if (result?.[0]) throw result[0];
}

// Many lines of one app in one command: one EVAL per app per batch instead of two commands per
// line. Each run of lines with the same source and dyno travels as one argument, joined by
// newlines (which no line holds: see queueLogEntries), and is split here.
const APPEND_MANY = `${ADD_LINE}
for i = 1, #ARGV, 3 do
  local text, start = ARGV[i + 2], 1
  while true do
    local stop = string.find(text, '\\n', start, true)
    add(KEYS[1], ARGV[i], ARGV[i + 1], string.sub(text, start, (stop or 0) - 1), now)
    if not stop then break end
    start = stop + 1
  end
end
redis.call('EXPIRE', KEYS[1], ${KEEP_SECONDS})
return 0`;

/**
 * Adds to a pipeline the one command that appends all of `entries` to the app's stream, in order:
 * how a writer of many lines at once (the router) stays at one round trip and a few commands,
 * and a few arguments (a newline inside a line becomes a space).
 */
export function queueLogEntries(pipeline: ChainableCommander, app: string, entries: readonly Omit<LogLine, "at">[]): ChainableCommander {
  // At most this many lines a command: each script run stays short.
  const PER_COMMAND = 500;
  for (let start = 0; start < entries.length; start += PER_COMMAND) {
    const args: string[] = [];
    let run: string[] = [];
    const end = Math.min(entries.length, start + PER_COMMAND);
    for (let i = start; i < end; i++) {
      const e = entries[i]!;
      const line = cutLine(e.line);
      run.push(line.includes("\n") ? line.replaceAll("\n", " ") : line);
      const next = entries[i + 1];
      if (i + 1 === end || next!.source !== e.source || next!.dyno !== e.dyno) {
        args.push(e.source, e.dyno, run.join("\n"));
        run = [];
      }
    }
    pipeline.eval(APPEND_MANY, 1, key(app), ...args);
  }
  return pipeline;
}

/** A line's time as logplex writes it: `2026-01-02T03:04:05.678901+00:00`. */
export function logTimestamp(entry: Pick<LogLine, "at" | "micros">): string {
  return `${entry.at.toISOString().slice(0, 23)}${String(entry.micros ?? 0).padStart(3, "0")}+00:00`;
}

/** A line as logplex writes it: `2026-01-02T03:04:05.678901+00:00 app[web.1]: message`. */
export function formatLogLine(entry: LogLine): string {
  return `${logTimestamp(entry)} ${entry.source}[${entry.dyno}]: ${entry.line}`;
}

export async function deleteLogs(redis: Redis, app: string): Promise<void> {
  await redis.del(key(app));
}

function parseEntry([id, fields]: [string, string[]]): LogLine {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  // A line stored before lines had `us` has none: its microseconds are unknown, and shown as 000.
  const micros = Number(map.us);
  return {
    at: new Date(Number(id.split("-")[0])),
    ...(Number.isInteger(micros) && micros >= 0 && micros < 1000 ? { micros } : {}),
    source: map.source ?? "app",
    dyno: map.dyno ?? "",
    line: map.line ?? "",
  };
}

/** The id of an app's newest log line ("0-0" when it has none): where following it starts. */
export async function lastLogId(redis: Redis, app: string): Promise<string> {
  const newest = (await redis.xrevrange(key(app), "+", "-", "COUNT", 1)) as [string, string[]][];
  return newest[0]?.[0] ?? "0-0";
}

/**
 * The lines written after each app's cursor (its last id seen), waiting up to `blockMs` for one;
 * at most `count` per app. `redis` must be a connection of its own: XREAD BLOCK holds it.
 */
export async function readAfter(redis: Redis, cursors: ReadonlyMap<string, string>, blockMs: number, count = 1000): Promise<{ app: string; id: string; line: LogLine }[]> {
  if (cursors.size === 0) return [];
  const apps = [...cursors.keys()];
  const batch = (await redis.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", ...apps.map(key), ...apps.map((app) => cursors.get(app)!))) as
    | [string, [string, string[]][]][]
    | null;
  const read: { app: string; id: string; line: LogLine }[] = [];
  for (const [stream, entries] of batch ?? []) {
    const app = stream.slice(key("").length);
    for (const entry of entries) read.push({ app, id: entry[0], line: parseEntry(entry) });
  }
  return read;
}

export interface LogQuery {
  lines: number;
  tail: boolean;
  dyno?: string;
  source?: string;
}

/**
 * Sends the last `lines` matching lines to `emit`, then, when tailing, new ones
 * until `signal` aborts. `redis` must be a connection of its own: XREAD BLOCK holds it.
 * `stillOurs`, when given, is asked after each read (and each empty wait) before its lines go
 * out: streams are keyed by app name, so once it says no, the name may be another app's.
 */
export async function readLogs(
  redis: Redis,
  app: string,
  query: LogQuery,
  emit: (line: LogLine) => void,
  signal: AbortSignal,
  stillOurs: () => Promise<boolean> = async () => true,
): Promise<void> {
  const matches = (l: LogLine) =>
    (!query.dyno || l.dyno === query.dyno || l.dyno.startsWith(`${query.dyno}.`)) &&
    (!query.source || l.source === query.source);
  const recent = (await redis.xrevrange(key(app), "+", "-", "COUNT", MAX_LINES)) as [string, string[]][];
  if (!(await stillOurs())) return;
  const picked = recent.map(parseEntry).filter(matches).slice(0, query.lines).reverse();
  picked.forEach(emit);
  if (!query.tail) return;
  let last = recent[0]?.[0] ?? "0-0";
  while (!signal.aborted) {
    const batch = (await redis.xread("BLOCK", 5000, "STREAMS", key(app), last)) as
      | [string, [string, string[]][]][]
      | null;
    if (!(await stillOurs())) return;
    for (const entry of batch?.[0]?.[1] ?? []) {
      last = entry[0];
      const line = parseEntry(entry);
      if (matches(line)) emit(line);
    }
  }
}
