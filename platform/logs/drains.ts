// Log drains: every line of a drained app's log stream goes to each of its drains, as RFC 5424
// syslog messages, octet-counted over TCP or TLS, or in logplex's HTTPS POST batches. Each drain
// has a bounded buffer: while its receiver is away, lines wait (oldest dropped past the bound, and
// the receiver told how many), and the connection is tried again with a growing delay.
import { randomUUID } from "node:crypto";
import { type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Redis } from "ioredis";
import { type Log, background } from "../lib/background.ts";
import { type DrainTarget, parseDrainUrl } from "../lib/drain-url.ts";
import { LOG_WINDOW, type LogLine, lastLogId, logTimestamp, readAfter } from "./index.ts";

/** A drain as the forwarder needs it (platform/db's DrainRow fits). */
export interface Drain {
  id: string;
  app: string;
  url: string;
  token: string;
}

export interface DrainForwarderOptions {
  redis: Redis;
  /** Every drain there is now; asked every `refreshMs`. */
  drains: () => Promise<Drain[]>;
  log: Log;
  /** Lines a drain holds while its receiver is away; past it the oldest go (default 10,000). */
  bufferLines?: number;
  /** Bytes it holds, likewise (default 4 MB): lines are up to 10 KB each. */
  bufferBytes?: number;
  refreshMs?: number;
  /** Longest wait before a connection is tried again (default 30 s). */
  maxRetryMs?: number;
}

const BATCH_LINES = 500;

/** One RFC 5424 message: `<190>1 TIME TOKEN SOURCE DYNO - - LINE`, as logplex sends them. */
export function syslogMessage(token: string, line: LogLine): string {
  const time = logTimestamp(line);
  return `<190>1 ${time} ${token} ${line.source || "-"} ${line.dyno || "-"} - - ${line.line}`;
}

/** Octet counting (RFC 6587): the message's length in bytes, a space, the message. */
export const framed = (message: string) => `${Buffer.byteLength(message)} ${message}`;

export function createDrainForwarder(opts: DrainForwarderOptions) {
  const { log } = opts;
  const bufferLines = opts.bufferLines ?? 10_000;
  const bufferBytes = opts.bufferBytes ?? 4 * 1024 * 1024;
  const maxRetryMs = opts.maxRetryMs ?? 30_000;
  const senders = new Map<string, ReturnType<typeof sender>>();
  const cursors = new Map<string, string>();
  let running = true;
  const reader = opts.redis.duplicate();
  reader.on("error", (error: Error) => log(`log drains: redis: ${error.message}`));

  /** One drain's buffer and connection. */
  function sender(drain: Drain, target: DrainTarget) {
    const pending: string[] = [];
    let pendingBytes = 0;
    let dropped = 0;
    let socket: Socket | undefined;
    let busy = false;
    let retryMs = 0;
    /** Waiting out the delay before the next try (a timer clears it, not the clock: timers may fire a little early). */
    let waiting = false;
    let closed = false;

    /** The first `n` lines waiting, taken out. */
    function take(n: number): string[] {
      const taken = pending.splice(0, n);
      for (const message of taken) pendingBytes -= Buffer.byteLength(message);
      return taken;
    }

    function push(message: string) {
      pending.push(message);
      pendingBytes += Buffer.byteLength(message);
      // A receiver that is away (or never reads) holds no more than the bounds: the oldest go.
      while (pending.length > 1 && (pending.length > bufferLines || pendingBytes > bufferBytes)) {
        take(1);
        dropped += 1;
      }
      flush();
    }

    function failed(why: string) {
      retryMs = Math.min(maxRetryMs, retryMs ? retryMs * 2 : 500);
      waiting = true;
      log(`log drain ${drain.token} of ${drain.app}: ${why}; trying again in ${retryMs} ms (${pending.length} lines waiting)`);
      setTimeout(() => {
        waiting = false;
        flush();
      }, retryMs).unref();
    }

    /** The lines dropped since the last send, said to the receiver as logplex says it. */
    function droppedNote(): string[] {
      if (!dropped) return [];
      const note = syslogMessage(drain.token, { at: new Date(), source: "ouro", dyno: "logplex", line: `Error L10 (output buffer overflow): ${dropped} messages dropped since the drain was last reached.` });
      dropped = 0;
      return [note];
    }

    function syslogSocket(): Socket {
      if (socket && !socket.destroyed) return socket;
      const t = target as Extract<DrainTarget, { kind: "syslog" }>;
      const made = t.tls ? tlsConnect({ host: t.host, port: t.port, servername: t.host }) : tcpConnect({ host: t.host, port: t.port });
      made.setKeepAlive(true, 30_000);
      made.on("error", (error: Error) => {
        made.destroy();
        if (socket === made) socket = undefined;
        if (!closed) failed(`cannot send: ${error.message}`);
      });
      made.on("close", () => {
        if (socket === made) socket = undefined;
      });
      socket = made;
      return made;
    }

    function flush() {
      if (busy || closed || waiting || pending.length === 0) return;
      if (target.kind === "syslog") {
        const out = syslogSocket();
        // Lines wait in the buffer, not the socket's, until it is connected: a refused connection loses none.
        if (out.connecting) {
          busy = true;
          out.once("connect", () => {
            busy = false;
            flush();
          });
          out.once("error", () => (busy = false));
          return;
        }
        const batch = [...droppedNote(), ...take(pending.length)];
        // Written in order; a connection that fails after this loses what the kernel had not sent.
        const ok = out.write(batch.map(framed).join(""));
        retryMs = 0;
        if (!ok) {
          busy = true;
          out.once("drain", () => {
            busy = false;
            flush();
          });
        }
        return;
      }
      busy = true;
      const batch = pending.slice(0, BATCH_LINES);
      const note = droppedNote();
      const body = [...note, ...batch].map(framed).join("");
      background(log, `log drain ${drain.token}: a POST`, async () => {
        try {
          const response = await fetch(target.url, {
            method: "POST",
            headers: {
              "Content-Type": "application/logplex-1",
              "Logplex-Msg-Count": String(note.length + batch.length),
              "Logplex-Frame-Id": randomUUID(),
              "Logplex-Drain-Token": drain.token,
              "User-Agent": "Ouro log drains",
            },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await response.arrayBuffer().catch(() => undefined);
          if (!response.ok) throw new Error(`the receiver answered ${response.status}`);
          take(batch.length);
          retryMs = 0;
        } catch (error) {
          failed((error as Error).message);
        } finally {
          busy = false;
          if (!closed) setImmediate(flush);
        }
      });
    }

    return {
      send: (line: LogLine) => push(syslogMessage(drain.token, line)),
      close() {
        closed = true;
        socket?.end();
      },
    };
  }

  /** The drains there are now: new ones start at their app's newest line; removed ones close. */
  async function refresh() {
    const drains = await opts.drains();
    const ids = new Set(drains.map((d) => d.id));
    for (const [id, s] of senders) {
      if (!ids.has(id)) {
        s.close();
        senders.delete(id);
      }
    }
    for (const drain of drains) {
      if (senders.has(drain.id)) continue;
      senders.set(drain.id, sender(drain, parseDrainUrl(drain.url)));
      if (!cursors.has(drain.app)) cursors.set(drain.app, await lastLogId(opts.redis, drain.app));
    }
    const apps = new Set(drains.map((d) => d.app));
    for (const app of cursors.keys()) if (!apps.has(app)) cursors.delete(app);
    byApp = new Map();
    for (const drain of drains) byApp.set(drain.app, [...(byApp.get(drain.app) ?? []), senders.get(drain.id)!]);
  }

  let byApp = new Map<string, ReturnType<typeof sender>[]>();

  async function forward() {
    while (running) {
      if (cursors.size === 0) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      // Up to a whole log's window at once: a burst that fits in it is never trimmed away unread.
      const read = await readAfter(reader, cursors, 500, LOG_WINDOW).catch((error: Error) => {
        log(`log drains: reading the logs failed: ${error.message}`);
        return new Promise<[]>((resolve) => setTimeout(() => resolve([]), 1_000));
      });
      for (const { app, id, line } of read) {
        if (!cursors.has(app)) continue;
        cursors.set(app, id);
        for (const s of byApp.get(app) ?? []) s.send(line);
      }
    }
  }

  return {
    /** Follows the drains until stopped; refreshes the list every `refreshMs`. */
    async start() {
      await refresh();
      const timer = setInterval(() => background(log, "log drains: refreshing the list", refresh), opts.refreshMs ?? 2_000);
      timer.unref();
      background(log, "log drains: forwarding", async () => {
        try {
          await forward();
        } finally {
          clearInterval(timer);
        }
      });
    },
    stop() {
      running = false;
      for (const s of senders.values()) s.close();
      reader.disconnect();
    },
  };
}
