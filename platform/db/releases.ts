import type pg from "pg";
import type { Db } from "./pool.ts";
import { transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { notFound } from "../lib/errors.ts";
import { isUuid, releaseVersion } from "../lib/ids.ts";
import type { RunRow } from "./runs.ts";

export interface ReleaseRow {
  id: string;
  app_id: string;
  version: number;
  slug_id: string | null;
  config: Record<string, string>;
  description: string;
  status: string;
  /** Why it failed, for a failed release. */
  failure_message: string | null;
  user_id: string | null;
  user_email: string | null;
  created_at: Date;
  current: boolean;
}

const SELECT_RELEASE = `
  SELECT r.id, r.app_id, r.version, r.slug_id, r.config, r.description, r.status, r.user_id,
         u.email AS user_email, r.created_at,
         r.failure_message, c.id IS NOT NULL AS current
  FROM releases r
  LEFT JOIN users u ON u.id = r.user_id
  LEFT JOIN current_releases c ON c.id = r.id`;

export async function listReleases(db: Db, appId: string): Promise<ReleaseRow[]> {
  return (await db.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 ORDER BY r.version`, [appId])).rows;
}

/**
 * The versions of an app's releases that have a release phase (their slug has a `release`
 * process, or one ran for them): the ones whose output is at an output_stream_url.
 */
export async function releasePhaseVersions(db: Db, appId: string): Promise<Set<number>> {
  const { rows } = await db.query<{ version: number }>(
    `SELECT r.version FROM releases r LEFT JOIN slugs s ON s.id = r.slug_id
     WHERE r.app_id = $1 AND (coalesce(s.process_types ? 'release', false)
       OR EXISTS (SELECT 1 FROM runs x WHERE x.app_id = r.app_id AND x.type = 'release' AND x.release_version = r.version))`,
    [appId],
  );
  return new Set(rows.map((r) => r.version));
}

export async function getReleaseById(db: Db, id: string): Promise<ReleaseRow> {
  const { rows } = isUuid(id) ? await db.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.id = $1`, [id]) : { rows: [] };
  if (!rows[0]) throw notFound(`Couldn't find that release: ${id}.`);
  return rows[0];
}

export async function getRelease(db: Db, appId: string, idOrVersion: string): Promise<ReleaseRow> {
  const version = releaseVersion(idOrVersion);
  if (version === undefined && !isUuid(idOrVersion)) throw notFound(`Couldn't find that release: ${idOrVersion}.`);
  const { rows } = await db.query<ReleaseRow>(
    `${SELECT_RELEASE} WHERE r.app_id = $1 AND ${version !== undefined ? "r.version = $2::int" : "r.id = $2::uuid"}`,
    [appId, version ?? idOrVersion],
  );
  if (!rows[0]) throw notFound(`Couldn't find that release: ${idOrVersion}.`);
  return rows[0];
}

export async function currentRelease(db: Db | pg.PoolClient, appId: string): Promise<ReleaseRow | undefined> {
  const { rows } = await db.query<ReleaseRow>(
    `${SELECT_RELEASE} WHERE c.app_id = $1`,
    [appId],
  );
  return rows[0];
}

/** The app's newest release: the current one, or one deploying or failed after it. */
export async function newestRelease(db: Db, appId: string): Promise<ReleaseRow | undefined> {
  const { rows } = await db.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 ORDER BY r.version DESC LIMIT 1`, [appId]);
  return rows[0];
}

export type NewReleaseStatus = "pending" | "deploying" | "succeeded";

export interface NewRelease {
  appId: string;
  /** The slug to run; undefined keeps the current release's slug. */
  slugId?: string;
  /** The whole config instead of the current one (a rollback's: its release's config). */
  config?: Record<string, string>;
  /** Config changes (null removes a key); undefined keeps the current config. */
  configChanges?: Record<string, string | null>;
  description: string;
  userId: string | null;
  /**
   * `pending` while a release phase runs; `deploying` while the dyno manager brings its dynos up;
   * it becomes current, its config and process types applied to the app, only once `succeeded`.
   * Or decided from the process types of the slug the release runs (null: none), in the
   * transaction that makes it: a release that lands meanwhile may change which slug that is.
   */
  status?: NewReleaseStatus | ((processTypes: Record<string, string> | null, client: pg.PoolClient) => Promise<NewReleaseStatus>);
  /** Written in the release's transaction. */
  audit?: AuditEntry;
}

/**
 * Makes release vN+1 from the current release plus the given changes, and moves
 * the formation to the slug's process types. The app row is locked so versions
 * never collide.
 */
export async function createRelease(db: Db, change: NewRelease): Promise<ReleaseRow> {
  return transaction(db, (client) => insertRelease(client, change));
}

/** createRelease inside a transaction the caller holds (a build's result: slug, release and build at once). */
export async function insertRelease(client: pg.PoolClient, change: NewRelease): Promise<ReleaseRow> {
  const app = await client.query<{ config: Record<string, string> }>(
    "SELECT config FROM apps WHERE id = $1 FOR UPDATE",
    [change.appId],
  );
  if (!app.rows[0]) throw notFound("Couldn't find that app.");
  // On top of the newest release that has not failed (one in its release phase or deploying
  // included): a change made meanwhile keeps its slug and config.
  const target = await latestActiveRelease(client, change.appId);
  const config = { ...(change.config ?? target?.config ?? app.rows[0].config) };
  for (const [key, value] of Object.entries(change.configChanges ?? {})) {
    if (value === null) delete config[key];
    else config[key] = value;
  }
  const current = await currentRelease(client, change.appId);
  const slugId = change.slugId ?? target?.slug_id ?? current?.slug_id ?? null;
  const next = await client.query<{ version: number }>(
    "SELECT coalesce(max(version), 0) + 1 AS version FROM releases WHERE app_id = $1",
    [change.appId],
  );
  // A release made while another is deploying takes its place: it deploys too, with its slug.
  const deploying = target?.status === "deploying" ? target : undefined;
  const processTypes = async () =>
    slugId ? ((await client.query<{ process_types: Record<string, string> }>("SELECT process_types FROM slugs WHERE id = $1", [slugId])).rows[0]?.process_types ?? {}) : null;
  const requested = typeof change.status === "function" ? await change.status(await processTypes(), client) : (change.status ?? "succeeded");
  const status = deploying && requested === "succeeded" ? "deploying" : requested;
  if (deploying && status === "deploying") {
    await client.query("UPDATE releases SET status = 'failed', failure_message = $2 WHERE id = $1 AND status = 'deploying'", [
      deploying.id,
      `superseded by v${next.rows[0]!.version} before its dynos were up`,
    ]);
  }
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO releases (app_id, version, slug_id, config, description, user_id, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [change.appId, next.rows[0]!.version, slugId, config, change.description, change.userId, status],
  );
  // Only a release that is current at once changes the app now; the others when they succeed.
  if (status === "succeeded") await applyRelease(client, change.appId, { config, slugId, previousSlugId: current?.slug_id ?? null });
  await recordAuditIf(client, change.audit && { ...change.audit, detail: { ...change.audit.detail, version: next.rows[0]!.version } });
  const { rows } = await client.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.id = $1`, [inserted.rows[0]!.id]);
  return rows[0]!;
}

/** What a release changes in its app when it becomes current: the config, and the formation's types. */
async function applyRelease(
  client: pg.PoolClient,
  appId: string,
  release: { config: Record<string, string>; slugId: string | null; previousSlugId: string | null },
): Promise<void> {
  await client.query("UPDATE apps SET config = $2, updated_at = now() WHERE id = $1", [appId, release.config]);
  if (release.slugId && release.slugId !== release.previousSlugId) await syncFormation(client, appId, release.slugId);
}

/**
 * One formation row per process type of the slug: a new `web` starts at 1
 * (as on Heroku), other new types at 0; types the slug no longer has go away.
 */
async function syncFormation(client: pg.PoolClient, appId: string, slugId: string): Promise<void> {
  const slug = await client.query<{ process_types: Record<string, string> }>(
    "SELECT process_types FROM slugs WHERE id = $1",
    [slugId],
  );
  // `release` runs once per release (the release phase), never as a scaled process.
  const types = Object.keys(slug.rows[0]?.process_types ?? {}).filter((type) => type !== "release");
  await client.query("DELETE FROM formations WHERE app_id = $1 AND NOT (type = ANY($2::text[]))", [appId, types]);
  for (const type of types) {
    await client.query(
      `INSERT INTO formations (app_id, type, quantity) VALUES ($1, $2, $3) ON CONFLICT (app_id, type) DO NOTHING`,
      [appId, type, type === "web" ? 1 : 0],
    );
  }
}

/**
 * Whether a release of a slug with these process types has web dynos to wait for: the slug has a
 * `web` type and the formation does not scale it to zero (a first deploy starts one).
 */
export async function wantsWebDynos(db: Db | pg.PoolClient, appId: string, processTypes: Record<string, string>): Promise<boolean> {
  if (processTypes.web === undefined) return false;
  const { rows } = await db.query<{ quantity: number }>("SELECT quantity FROM formations WHERE app_id = $1 AND type = 'web'", [appId]);
  return (rows[0]?.quantity ?? 1) > 0;
}

/** The newest release that has not failed: what the next release is built on. */
export async function latestActiveRelease(db: Db | pg.PoolClient, appId: string): Promise<ReleaseRow | undefined> {
  const { rows } = await db.query<ReleaseRow>(
    `${SELECT_RELEASE} WHERE r.app_id = $1 AND r.status IN ('pending', 'deploying', 'succeeded') ORDER BY r.version DESC LIMIT 1`,
    [appId],
  );
  return rows[0];
}

/**
 * The config the app's next release builds on, and what the API shows as its config vars: the
 * newest release's that has not failed (one still deploying included), else the app's.
 */
export async function latestConfig(db: Db, app: { id: string; config: Record<string, string> }): Promise<Record<string, string>> {
  return (await latestActiveRelease(db, app.id))?.config ?? app.config;
}

/**
 * Whether the release, its release phase passed, deploys (waits for its web dynos before it is
 * current): its slug has web dynos to start. New config deploys as a new slug does, so config
 * whose web dynos never come up is never applied.
 */
export async function deploysWebDynos(db: Db, releaseId: string): Promise<boolean> {
  const { rows } = await db.query<{ app_id: string; process_types: Record<string, string> }>(
    "SELECT r.app_id, s.process_types FROM releases r JOIN slugs s ON s.id = r.slug_id WHERE r.id = $1",
    [releaseId],
  );
  const release = rows[0];
  return release !== undefined && (await wantsWebDynos(db, release.app_id, release.process_types));
}

/**
 * Moves a release on: `pending` (its release phase) to `deploying` or `failed`, `deploying` (its
 * dynos starting) to `succeeded` or `failed`. `succeeded` makes it current and applies its config
 * and process types to the app in the same transaction. Returns false when it was not in `from`
 * (already moved on, or gone with its app).
 */
export async function endRelease(
  db: Db,
  id: string,
  outcome: { from?: "pending" | "deploying"; status: "deploying" | "succeeded" } | { from?: "pending" | "deploying"; status: "failed"; message: string },
): Promise<boolean> {
  return transaction(db, async (client) => {
    // The app's row first, as insertRelease locks it: two transactions never wait on each other.
    await client.query("SELECT 1 FROM apps WHERE id = (SELECT app_id FROM releases WHERE id = $1) FOR UPDATE", [id]);
    const { rows } = await client.query<{ app_id: string; version: number; config: Record<string, string>; slug_id: string | null }>(
      "UPDATE releases SET status = $2, failure_message = $3 WHERE id = $1 AND status = $4 RETURNING app_id, version, config, slug_id",
      [id, outcome.status, outcome.status === "failed" ? outcome.message : null, outcome.from ?? "pending"],
    );
    const ended = rows[0];
    if (!ended) return false;
    if (outcome.status !== "failed") {
      // A newer release already deploying or current was built on this one: it takes its place.
      const newer = await client.query<{ version: number }>(
        "SELECT version FROM releases WHERE app_id = $1 AND version > $2 AND status IN ('deploying', 'succeeded') ORDER BY version DESC LIMIT 1",
        [ended.app_id, ended.version],
      );
      if (newer.rows[0]) {
        await client.query("UPDATE releases SET status = 'failed', failure_message = $2 WHERE id = $1", [
          id,
          `superseded by v${newer.rows[0].version}, which was built on it`,
        ]);
        return false;
      }
    }
    if (outcome.status === "deploying") {
      // It takes the place of any older release still deploying.
      await client.query(
        "UPDATE releases SET status = 'failed', failure_message = $3 WHERE app_id = $1 AND status = 'deploying' AND version < $2",
        [ended.app_id, ended.version, `superseded by v${ended.version} before its dynos were up`],
      );
    }
    if (outcome.status === "succeeded") {
      const previous = await client.query<{ slug_id: string | null }>(
        "SELECT slug_id FROM releases WHERE app_id = $1 AND status = 'succeeded' AND id <> $2 ORDER BY version DESC LIMIT 1",
        [ended.app_id, id],
      );
      await applyRelease(client, ended.app_id, { config: ended.config, slugId: ended.slug_id, previousSlugId: previous.rows[0]?.slug_id ?? null });
    }
    return true;
  });
}

/** Pending releases whose release phase is not running (no open `release` run of that version). */
export async function orphanedPendingReleases(db: Db): Promise<{ id: string; app: string; version: number }[]> {
  const { rows } = await db.query<{ id: string; app: string; version: number }>(
    `SELECT r.id, a.name AS app, r.version
     FROM releases r JOIN apps a ON a.id = r.app_id
     WHERE r.status = 'pending'
       AND NOT EXISTS (SELECT 1 FROM runs u WHERE u.app_id = r.app_id AND u.type = 'release'
                       AND u.release_version = r.version AND u.state IN ('pending', 'running'))`,
  );
  return rows;
}

/** Pending releases whose release phase still runs, with that run (the newest open one). */
export async function pendingReleasePhases(db: Db): Promise<{ release_id: string; app: string; version: number; run: RunRow }[]> {
  const { rows } = await db.query<{ release_id: string; app: string; version: number; run: RunRow }>(
    `SELECT DISTINCT ON (r.id) r.id AS release_id, a.name AS app, r.version, to_jsonb(u) AS run
     FROM releases r JOIN apps a ON a.id = r.app_id
     JOIN runs u ON u.app_id = r.app_id AND u.type = 'release' AND u.release_version = r.version AND u.state IN ('pending', 'running')
     WHERE r.status = 'pending'
     ORDER BY r.id, u.number DESC`,
  );
  // to_jsonb turns timestamps into strings.
  return rows.map((row) => ({ ...row, run: { ...row.run, created_at: new Date(row.run.created_at), updated_at: new Date(row.run.updated_at) } }));
}
