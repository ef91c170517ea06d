// All CLI output goes through here: data on stdout (tables, key/value blocks, JSON), progress on
// stderr, so `ouro apps --json | jq` and `ouro config > env` stay clean.

export interface Output {
  write(chunk: string): unknown;
}

export interface Column<T> {
  /** Header text; a table prints a header row only when some column has one. */
  header?: string;
  get: (row: T) => string;
}

export interface Printer {
  stdout: Output;
  /** Progress as it comes, unformatted (a build's output). */
  stderr: Output;
  line(text?: string): void;
  json(value: unknown): void;
  heading(text: string): void;
  table<T>(rows: readonly T[], columns: readonly Column<T>[]): void;
  /** `Key:  value` lines with the values aligned, as in `heroku apps:info`. */
  keyValues(pairs: readonly (readonly [string, string])[]): void;
  /** `label... done` on stderr around a piece of work; `finish` may add `, v4` to "done". */
  action<T>(label: string, work: () => Promise<T>, finish?: (result: T) => string): Promise<T>;
  /** A note for the user on stderr, outside the data. */
  note(text: string): void;
}

export function createPrinter({ stdout, stderr }: { stdout: Output; stderr: Output }): Printer {
  const line = (text = "") => void stdout.write(`${text}\n`);
  return {
    stdout,
    stderr,
    line,
    json: (value) => line(JSON.stringify(value, null, 2)),
    heading: (text) => line(`=== ${text}`),
    table(rows, columns) {
      const withHeader = columns.some((c) => c.header);
      const cells = rows.map((row) => columns.map((c) => c.get(row)));
      if (withHeader) cells.unshift(columns.map((c) => c.header ?? ""));
      const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
      if (withHeader) cells.splice(1, 0, widths.map((w) => "─".repeat(w)));
      for (const row of cells) {
        line(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd());
      }
    },
    keyValues(pairs) {
      const width = Math.max(0, ...pairs.map(([key]) => key.length + 1));
      for (const [key, value] of pairs) line(`${`${key}:`.padEnd(width)} ${value}`.trimEnd());
    },
    async action(label, work, finish) {
      stderr.write(`${label}... `);
      try {
        const result = await work();
        stderr.write(`${finish ? finish(result) : "done"}\n`);
        return result;
      } catch (err) {
        stderr.write("failed\n");
        throw err;
      }
    },
    note: (text) => void stderr.write(`${text}\n`),
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `2026/11/25 19:00:00` in the local time zone, the way the heroku CLI shows times. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `~ 1m ago`: the coarse age heroku's `ps` prints next to a dyno's state. */
export function ago(iso: string, now: Date = new Date()): string {
  return `~ ${elapsed(iso, now)} ago`;
}

/** `3m`: the time since `iso` in its largest whole unit (s, m, h or d). */
export function elapsed(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
