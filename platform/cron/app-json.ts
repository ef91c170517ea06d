// The `cron` entries of a Heroku/Dokku-style app.json, read from a pushed source tar.
import type { Readable } from "node:stream";
import { CronExpressionParser } from "cron-parser";
import tar from "tar-stream";
import { z } from "zod";
import { CRON_TZ, type CronEntry } from "../lib/cron-contract.ts";

const MAX_APP_JSON_BYTES = 1024 * 1024;

/** A standard 5-field cron expression (minute hour day-of-month month day-of-week), in CRON_TZ. */
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
    CronExpressionParser.parse(expression, { tz: CRON_TZ });
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

/** A whole file that cannot be read, as the single entry the listing shows. */
export const invalidFile = (error: string): CronEntry[] => [{ command: "", schedule: "", error }];
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
