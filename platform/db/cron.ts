// Cron schedules come from the `cron` entries of app.json in the source of each app's current
// release (Heroku/Dokku-style app.json). Nothing is stored: the pushed source is the truth, and a
// source checksum never changes meaning, so parsed results are cached per checksum.
import type { Readable } from "node:stream";
import { CronExpressionParser } from "cron-parser";
import tar from "tar-stream";
import { z } from "zod";
import type { BlobStore } from "../blobs/index.ts";
import type { Db } from "./pool.ts";

/** One `cron` entry as the listing shows it; `error` says why it will not run. */
export interface CronEntry {
  command: string;
  schedule: string;
  error?: string;
}

/** A valid entry of one app: what the cron service schedules. */
export interface CronSchedule {
  app: string;
  command: string;
  schedule: string;
}

const MAX_APP_JSON_BYTES = 1024 * 1024;

/** A standard 5-field cron expression (minute hour day-of-month month day-of-week), UTC. */
export function cronExpressionError(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === "") {
    return `schedule ${JSON.stringify(expression)} must have 5 fields (minute hour day-of-month month day-of-week), e.g. "*/10 * * * *"`;
  }
  // cron-parser's `H` (hashed) values differ per parse, so the next run would move on every reconcile.
  if (fields.some((field) => field.split(",").some((part) => /^h/i.test(part)))) {
    return `schedule ${JSON.stringify(expression)}: "H" values are not supported`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: "UTC" });
    return undefined;
  } catch (error) {
    return `schedule ${JSON.stringify(expression)} is not a valid cron expression: ${(error as Error).message}`;
  }
}

const CronEntrySchema = z.object({
  command: z.string({ error: "command must be a string" }).trim().min(1, "command must not be empty").max(4096, "command is too long"),
  schedule: z.string({ error: "schedule must be a string" }).superRefine((value, check) => {
    const error = cronExpressionError(value);
    if (error) check.addIssue({ code: "custom", message: error });
  }),
});

const AppJsonSchema = z.looseObject(
  { cron: z.array(z.unknown(), { error: "app.json: cron must be an array" }).optional() },
  { error: "app.json must be a JSON object" },
);

const invalidFile = (error: string): CronEntry[] => [{ command: "", schedule: "", error }];
const asText = (value: unknown) => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));

/**
 * The `cron` entries of an app.json text. A bad entry stays in the list with its `error` (and is
 * never scheduled); a file that is not JSON gives a single entry naming the problem.
 */
export function parseAppJsonCron(text: string): CronEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalidFile(`app.json is not valid JSON: ${(error as Error).message}`);
  }
  const file = AppJsonSchema.safeParse(json);
  if (!file.success) return invalidFile(file.error.issues[0]?.message ?? "app.json must be an object");
  const seen = new Set<string>();
  return (file.data.cron ?? []).map((raw, index): CronEntry => {
    const fields = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const shown = { command: asText(fields.command), schedule: asText(fields.schedule) };
    const parsed = CronEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const message = typeof raw === "object" && raw !== null ? parsed.error.issues[0]?.message : "an entry must be an object";
      return { ...shown, error: `cron[${index}]: ${message ?? "invalid entry"}` };
    }
    const entry = { command: parsed.data.command, schedule: parsed.data.schedule.trim().split(/\s+/).join(" ") };
    const key = JSON.stringify([entry.schedule, entry.command]);
    if (seen.has(key)) return { ...entry, error: `cron[${index}]: the same schedule and command as an earlier entry` };
    seen.add(key);
    return entry;
  });
}

/** app.json at the root of an uncompressed source tar (`git archive`), or undefined. */
export async function readAppJson(source: Readable): Promise<string | undefined> {
  const extract = tar.extract();
  source.on("error", (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, "");
      if (name !== "app.json" || entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      if ((entry.header.size ?? 0) > MAX_APP_JSON_BYTES) throw new Error(`app.json is larger than ${MAX_APP_JSON_BYTES} bytes`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    }
    return undefined;
  } finally {
    source.unpipe(extract);
    source.destroy();
    extract.destroy();
  }
}

interface AppSource {
  app: string;
  source_checksum: string;
}

// The source each app's current release was built from: release → slug → build.
// Releases made without a build (stage 0, config-only apps with no slug) have none.
const SELECT_SOURCES = `
  SELECT a.name AS app, b.source_checksum
  FROM apps a
  JOIN LATERAL (
    SELECT slug_id FROM releases WHERE app_id = a.id AND status = 'succeeded' ORDER BY version DESC LIMIT 1
  ) r ON r.slug_id IS NOT NULL
  JOIN LATERAL (
    SELECT source_checksum FROM builds WHERE slug_id = r.slug_id ORDER BY created_at DESC LIMIT 1
  ) b ON true`;

export interface CronReader {
  /** The entries of one app's current release, valid or not. */
  entries(appId: string): Promise<CronEntry[]>;
  /** The valid entries of every app, for the cron service. */
  schedules(): Promise<CronSchedule[]>;
}

/** Reads cron entries through the blob store, caching each source's entries (bounded). */
export function createCronReader(deps: { db: Db; blobs: BlobStore; cacheSize?: number }): CronReader {
  const cache = new Map<string, CronEntry[]>();
  const limit = deps.cacheSize ?? 1000;

  async function entriesOf(checksum: string): Promise<CronEntry[]> {
    const cached = cache.get(checksum);
    if (cached) return cached;
    let entries: CronEntry[];
    if (!deps.blobs.has(checksum)) {
      entries = invalidFile(`the release's source (${checksum}) is missing from the blob store`);
    } else {
      try {
        const text = await readAppJson(deps.blobs.read(checksum));
        entries = text === undefined ? [] : parseAppJsonCron(text);
      } catch (error) {
        entries = invalidFile(`cannot read app.json from the release's source: ${(error as Error).message}`);
      }
    }
    if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    cache.set(checksum, entries);
    return entries;
  }

  return {
    async entries(appId) {
      const { rows } = await deps.db.query<AppSource>(`${SELECT_SOURCES} WHERE a.id = $1`, [appId]);
      return rows[0] ? entriesOf(rows[0].source_checksum) : [];
    },
    async schedules() {
      const { rows } = await deps.db.query<AppSource>(`${SELECT_SOURCES} ORDER BY a.name`);
      const schedules: CronSchedule[] = [];
      for (const row of rows) {
        for (const entry of await entriesOf(row.source_checksum)) {
          if (!entry.error) schedules.push({ app: row.app, command: entry.command, schedule: entry.schedule });
        }
      }
      return schedules;
    },
  };
}
