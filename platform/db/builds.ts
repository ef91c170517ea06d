import type { Db } from "./pool.ts";
import { transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { notFound } from "../lib/errors.ts";
import { type NewRelease, type ReleaseRow, insertRelease } from "./releases.ts";
import { type NewSlug, type SlugRow, createSlug } from "./slugs.ts";

export interface BuildRow {
  id: string;
  app_id: string;
  user_id: string | null;
  user_email: string | null;
  status: "pending" | "succeeded" | "failed";
  /** The tree the build reads; null while its build dyno has still to fetch it from `source_url`. */
  source_checksum: string | null;
  source_version: string | null;
  /** The source_blob URL a Build API build was made from; null for a push's. */
  source_url: string | null;
  /** The checksum the caller gave for what is at `source_url`, checked when it is fetched. */
  source_blob_checksum: string | null;
  slug_id: string | null;
  release_id: string | null;
  failure_message: string | null;
  /** The slug its build dyno uploaded; a succeeded result must name this one. */
  uploaded_checksum: string | null;
  /** The layers of the slug it uploaded, when in layers; and the lower layers (runtime, dependencies) it stored. */
  uploaded_slug_layers: string[] | null;
  uploaded_layers: string[];
  /** A build still pending at this time is failed (BuildService.failExpiredBuilds). */
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
}

const SELECT_BUILD = `SELECT b.*, u.email AS user_email FROM builds b LEFT JOIN users u ON u.id = b.user_id`;
const SELECT_BUILD_WITH_APP = `SELECT b.*, u.email AS user_email, a.name AS app_name
  FROM builds b JOIN apps a ON a.id = b.app_id LEFT JOIN users u ON u.id = b.user_id`;

export async function listBuilds(db: Db, appId: string): Promise<BuildRow[]> {
  return (await db.query<BuildRow>(`${SELECT_BUILD} WHERE b.app_id = $1 ORDER BY b.created_at`, [appId])).rows;
}

export async function getBuild(db: Db, id: string): Promise<BuildRow> {
  const { rows } = await db.query<BuildRow>(`${SELECT_BUILD} WHERE b.id::text = $1`, [id]);
  if (!rows[0]) throw notFound(`Couldn't find that build: ${id}.`);
  return rows[0];
}

/**
 * Whether nothing more will be said of a build: it ended, and the release it made (if any) is no
 * longer starting (its release phase, its web dynos). A build deleted with its app is settled.
 */
export async function buildSettled(db: Db, id: string): Promise<boolean> {
  const { rows } = await db.query<{ going: boolean }>(
    `SELECT b.status = 'pending' OR coalesce(r.status IN ('pending', 'deploying'), false) AS going
     FROM builds b LEFT JOIN releases r ON r.id = b.release_id WHERE b.id::text = $1`,
    [id],
  );
  return !rows[0]?.going;
}

export async function createBuild(
  db: Db,
  build: {
    appId: string;
    userId: string | null;
    /** Null: the build dyno fetches the source from `sourceUrl` (checked against `sourceBlobChecksum`). */
    sourceChecksum: string | null;
    sourceVersion: string | null;
    sourceUrl?: string;
    sourceBlobChecksum?: string;
    deadline?: Date;
    audit?: AuditEntry;
  },
): Promise<BuildRow> {
  const id = await transaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO builds (app_id, user_id, source_checksum, source_version, source_url, source_blob_checksum, deadline_at)
       VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now() + interval '15 minutes')) RETURNING id`,
      [build.appId, build.userId, build.sourceChecksum, build.sourceVersion, build.sourceUrl ?? null, build.sourceBlobChecksum ?? null, build.deadline ?? null],
    );
    await recordAuditIf(client, build.audit && { ...build.audit, detail: { ...build.audit.detail, build: rows[0]!.id } });
    return rows[0]!.id;
  });
  return getBuild(db, id);
}

/** Only a pending build can finish; returns false when it had already finished. */
export async function finishBuild(
  db: Db,
  id: string,
  outcome: { status: "succeeded"; slugId: string; releaseId: string } | { status: "failed"; message: string },
): Promise<boolean> {
  const { rowCount } =
    outcome.status === "succeeded"
      ? await db.query(
          "UPDATE builds SET status = 'succeeded', slug_id = $2, release_id = $3, updated_at = now() WHERE id = $1 AND status = 'pending'",
          [id, outcome.slugId, outcome.releaseId],
        )
      : await db.query(
          "UPDATE builds SET status = 'failed', failure_message = $2, updated_at = now() WHERE id = $1 AND status = 'pending'",
          [id, outcome.message],
        );
  return rowCount === 1;
}

/** Records the tree a pending build's dyno fetched from its source URL; false if it has one already. */
export async function recordFetchedSource(db: Db, id: string, checksum: string): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE builds SET source_checksum = $2, updated_at = now() WHERE id = $1 AND status = 'pending' AND source_checksum IS NULL",
    [id, checksum],
  );
  return rowCount === 1;
}

/** Records the slug a pending build's dyno uploaded, with its layers when it is in layers. */
export async function recordUploadedSlug(db: Db, id: string, checksum: string, layers: string[] | null = null): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE builds SET uploaded_checksum = $2, uploaded_slug_layers = $3 WHERE id = $1 AND status = 'pending'",
    [id, checksum, layers],
  );
  return rowCount === 1;
}

/** Records a lower layer (runtime, dependencies) a pending build's dyno stored. */
export async function recordUploadedLayer(db: Db, id: string, checksum: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE builds SET uploaded_layers = CASE WHEN $2 = ANY(uploaded_layers) THEN uploaded_layers ELSE array_append(uploaded_layers, $2) END
     WHERE id = $1 AND status = 'pending'`,
    [id, checksum],
  );
  return rowCount === 1;
}

/**
 * Whether a build's slug may name a layer: one its own dyno stored, or one of its app's slugs
 * has. Never another app's, whose checksum a build may have learned.
 */
export async function layerUsable(db: Db, build: { id: string; app_id: string }, checksum: string): Promise<boolean> {
  const { rows } = await db.query<{ usable: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM builds WHERE id = $1 AND $3 = ANY(uploaded_layers))
         OR EXISTS (SELECT 1 FROM slugs WHERE app_id = $2 AND $3 = ANY(layers)) AS usable`,
    [build.id, build.app_id, checksum],
  );
  return rows[0]?.usable ?? false;
}

/**
 * Whether a blob is a lower layer that was checked as one when it was stored: one a build
 * uploaded as a layer, or a slug of any app names as one. Only such a blob may be proved for
 * (a build that shows it holds the very bytes may use it: internal-builds.ts).
 */
export async function isCheckedLayer(db: Db, checksum: string): Promise<boolean> {
  const { rows } = await db.query<{ checked: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM builds WHERE $1 = ANY(uploaded_layers))
         OR EXISTS (SELECT 1 FROM slugs WHERE $1 = ANY(layers[1:array_length(layers, 1) - 1])) AS checked`,
    [checksum],
  );
  return rows[0]?.checked ?? false;
}

/** Builds still pending past their deadline, with their app's name. */
export async function expiredBuilds(db: Db): Promise<(BuildRow & { app_name: string })[]> {
  const { rows } = await db.query<BuildRow & { app_name: string }>(
    `${SELECT_BUILD_WITH_APP} WHERE b.status = 'pending' AND b.deadline_at <= now() ORDER BY b.created_at`,
  );
  return rows;
}

/**
 * A build's successful result, all or nothing: the build leaves `pending` first (compare and
 * set), then its slug and release are made, in one transaction. Undefined when the build had
 * already ended: a late, duplicate or replayed result makes nothing.
 */
export async function succeedBuild(
  db: Db,
  outcome: { buildId: string; slug: Omit<NewSlug, "app_id">; release: Omit<NewRelease, "slugId" | "appId"> },
): Promise<{ slug: SlugRow; release: ReleaseRow } | undefined> {
  return transaction(db, async (client) => {
    const claimed = await client.query<{ app_id: string }>(
      "UPDATE builds SET status = 'succeeded', updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING app_id",
      [outcome.buildId],
    );
    const appId = claimed.rows[0]?.app_id;
    if (!appId) return undefined;
    const slug = await createSlug(client, { ...outcome.slug, app_id: appId });
    const release = await insertRelease(client, { ...outcome.release, appId, slugId: slug.id });
    await client.query("UPDATE builds SET slug_id = $2, release_id = $3 WHERE id = $1", [outcome.buildId, slug.id, release.id]);
    return { slug, release };
  });
}

/** A build as the platform's queue shows it. */
export interface QueuedBuild {
  id: string;
  app: string;
  status: "pending" | "succeeded" | "failed";
  /** For a pending build: whether its build dyno runs yet. */
  running: boolean;
  failure_message: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The builder's queue across every app: the pending builds (waiting for a build dyno, or
 * running in one), and the newest failed ones.
 */
export async function buildQueue(db: Db, failedKept = 10): Promise<{ pending: QueuedBuild[]; failed: QueuedBuild[] }> {
  const select = `SELECT b.id, a.name AS app, b.status, b.failure_message, b.created_at, b.updated_at,
      EXISTS (SELECT 1 FROM runs r WHERE r.build_id = b.id AND r.state = 'running') AS running
    FROM builds b JOIN apps a ON a.id = b.app_id`;
  const pending = await db.query<QueuedBuild>(`${select} WHERE b.status = 'pending' ORDER BY b.created_at`);
  const failed = await db.query<QueuedBuild>(`${select} WHERE b.status = 'failed' ORDER BY b.updated_at DESC LIMIT $1`, [failedKept]);
  return { pending: pending.rows, failed: failed.rows };
}
