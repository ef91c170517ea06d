// One-off dynos as the API takes them (POST /apps/:app/dynos, Heroku's body) and answers them,
// and the rendezvous protocol an attached client speaks to the dyno manager: the API, the dyno
// manager and the CLI all import this one file. docs: README.md (`ouro run`), platform/dynos.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { ConfigVarsSchema } from "./config-vars.ts";

/** A one-off dyno's time limit when none is asked for, and the longest one: 24 h, as on Heroku. */
export const DEFAULT_TIME_TO_LIVE = 24 * 60 * 60;
export const MAX_TIME_TO_LIVE = DEFAULT_TIME_TO_LIVE;
/** How long an attached run waits for its client to connect before it is finished unstarted. */
export const ATTACH_WINDOW_SECONDS = 60;
/** Between SIGTERM and SIGKILL when a one-off dyno is stopped (its time limit, its client gone). */
export const RUN_STOP_GRACE_SECONDS = 30;

/**
 * `env` as clients send it: heroku's sends `COLUMNS` and `LINES` as numbers and `TERM` as
 * whatever its shell has (maybe nothing); numbers become strings, empty ones are dropped.
 */
const RunEnvSchema = z
  .record(z.string(), z.union([z.string(), z.number().finite()]).nullable())
  .transform((env) => Object.fromEntries(Object.entries(env).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]]))))
  .pipe(ConfigVarsSchema);

/** Heroku's dyno-create body; `type`'s own rules are the API's (it knows the reserved types). */
export const RunRequestSchema = z.object({
  command: z.string().min(1),
  env: RunEnvSchema.optional(),
  size: z.string().min(1).optional(),
  /** Attached: the client connects to `attach_url`, and the dyno starts once it has. */
  attach: z.boolean().nullish(),
  /** Attached without a terminal: stdin and output as plain streams (heroku's `--no-tty`). */
  force_no_tty: z.boolean().nullish(),
  time_to_live: z.number().int().min(1).max(MAX_TIME_TO_LIVE).nullish(),
});
export type RunRequest = z.infer<typeof RunRequestSchema>;

/** A terminal's size, in character cells. */
export const TerminalSizeSchema = z.object({
  columns: z.number().int().min(1).max(1000),
  lines: z.number().int().min(1).max(1000),
});
export type TerminalSize = z.infer<typeof TerminalSizeSchema>;

/** The initial terminal size an attached run's env asks for (`COLUMNS`, `LINES`), if it names one. */
export function terminalSizeOf(env: Record<string, string>): TerminalSize | undefined {
  const parsed = TerminalSizeSchema.safeParse({ columns: Number(env.COLUMNS), lines: Number(env.LINES) });
  return parsed.success ? parsed.data : undefined;
}

/** POST /apps/:app/dynos/:id/actions/resize → RESIZE_CHANNEL: an attached terminal's new size. */
export const ResizeMessageSchema = TerminalSizeSchema.extend({ runId: z.string().uuid() });
export type ResizeMessage = z.infer<typeof ResizeMessageSchema>;
export function parseResizeMessage(text: string): ResizeMessage | undefined {
  try {
    const parsed = ResizeMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A one-off dyno as the API answers it: Heroku's dyno, with Ouro's additions marked. */
export interface RunResource {
  id: string;
  app: { id: string; name: string };
  name: string;
  type: string;
  state: "starting" | "up" | "down" | "crashed";
  command: string;
  size: string;
  release: { id: string | null; version: number };
  /** Only in the answer that created an attached run: where to connect, once, within a minute. */
  attach_url: string | null;
  /** Ouro's: the SHA-256 fingerprint of the rendezvous server's certificate, for a client to pin. */
  attach_fingerprint?: string | null;
  /** Ouro's: how it ended, once it has. */
  exit_code: number | null;
  /** Ouro's: its time limit in seconds, and when it is reached (null until it starts). */
  time_to_live: number;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * A time limit as `--ttl` takes it: seconds (`90`), or a number with `s`, `m` or `h` (`10m`).
 * The seconds, or undefined when it is not one or is out of range (1 s to 24 h).
 */
export function parseTimeToLive(text: string): number | undefined {
  const match = /^(\d+)([smh]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * { "": 1, s: 1, m: 60, h: 3600 }[match[2] as "" | "s" | "m" | "h"];
  return seconds >= 1 && seconds <= MAX_TIME_TO_LIVE ? seconds : undefined;
}

/** `90s`, `10m`, `2h`: a time limit the way a user would write it. */
export function formatTimeToLive(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

// The rendezvous protocol, as heroku's CLI speaks it: TLS to the host and port of
// `rendezvous://host:port/SECRET`, the secret and CRLF, then one line from the server once the
// secret is taken, then raw bytes both ways until the dyno exits and the server closes.

export const RENDEZVOUS_PROTOCOL = "rendezvous:";
/** What the server sends once it has taken the secret (heroku's CLI drops the first chunk it reads). */
export const RENDEZVOUS_ACK = "rendezvous\r\n";
/** A secret is 32 random bytes in base64url: 43 characters. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export function newAttachSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** What the database keeps of a secret: it is compared, never read back. */
export function hashAttachSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export const isAttachSecret = (text: string) => SECRET.test(text);

export function attachUrl(host: string, port: number, secret: string): string {
  return `${RENDEZVOUS_PROTOCOL}//${host}:${port}/${secret}`;
}

/** An `attach_url`'s parts, or undefined when it is not a rendezvous URL with a secret. */
export function parseAttachUrl(url: string): { host: string; port: number; secret: string } | undefined {
  try {
    const parsed = new URL(url);
    const secret = parsed.pathname.slice(1);
    const port = Number(parsed.port);
    if (parsed.protocol !== RENDEZVOUS_PROTOCOL || !isAttachSecret(secret) || !port) return undefined;
    return { host: parsed.hostname, port, secret };
  } catch {
    return undefined;
  }
}

/**
 * The last thing an attached session sends before it closes: the dyno's exit status, in the line
 * heroku's CLI looks for in the output (it exits with that status, and shows no such line).
 */
export const exitStatusLine = (code: number) => `\uFFFF heroku-command-exit-status: ${code}\n`;
export const EXIT_STATUS_LINE = /\uFFFF heroku-command-exit-status: (\d+)\r?\n?$/;
