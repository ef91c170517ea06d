// Cron schedules come from the `cron` entries of app.json in the source of each app's current
// release. Nothing is stored: the pushed source is the truth, and a source checksum never
// changes meaning, so parsed results are cached per checksum.
import type { BlobStore } from "../blobs/index.ts";
import { type Db, currentReleaseSource, currentReleaseSources } from "../db/index.ts";
import type { CronEntry, CronSchedule } from "../lib/cron-contract.ts";
import { invalidFile, parseAppJsonCron, readAppJson } from "./app-json.ts";

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
      const source = await currentReleaseSource(deps.db, appId);
      return source ? entriesOf(source.source_checksum) : [];
    },
    async schedules() {
      const schedules: CronSchedule[] = [];
      for (const source of await currentReleaseSources(deps.db)) {
        for (const entry of await entriesOf(source.source_checksum)) {
          if (!entry.error) schedules.push({ app: source.app, command: entry.command, schedule: entry.schedule });
        }
      }
      return schedules;
    },
  };
}
