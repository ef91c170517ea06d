import type pg from "pg";
import type { Db } from "./pool.ts";
import { notFound } from "../lib/errors.ts";

export interface SlugRow {
  id: string;
  app_id: string;
  checksum: string;
  size: number;
  process_types: Record<string, string>;
  commit: string | null;
  stack: string;
  buildpack_description: string | null;
  created_at: Date;
}

export async function createSlug(db: Db | pg.PoolClient, slug: Omit<SlugRow, "id" | "created_at">): Promise<SlugRow> {
  const { rows } = await db.query<SlugRow>(
    `INSERT INTO slugs (app_id, checksum, size, process_types, commit, stack, buildpack_description)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [slug.app_id, slug.checksum, slug.size, slug.process_types, slug.commit, slug.stack, slug.buildpack_description],
  );
  return rows[0]!;
}

export async function getSlugById(db: Db, id: string): Promise<SlugRow> {
  const { rows } = await db.query<SlugRow>("SELECT * FROM slugs WHERE id::text = $1", [id]);
  if (!rows[0]) throw notFound(`Couldn't find that slug: ${id}.`);
  return rows[0];
}

export async function getSlug(db: Db, appId: string, id: string): Promise<SlugRow> {
  const { rows } = await db.query<SlugRow>("SELECT * FROM slugs WHERE app_id = $1 AND id::text = $2", [appId, id]);
  if (!rows[0]) throw notFound(`Couldn't find that slug: ${id}.`);
  return rows[0];
}

/** The slug ids of each app's $1 newest releases. */
const NEWEST_RELEASES_SLUGS = `(SELECT slug_id FROM (
  SELECT slug_id, row_number() OVER (PARTITION BY app_id ORDER BY version DESC) AS n FROM releases WHERE slug_id IS NOT NULL
) newest WHERE n <= $1)`;

/**
 * The slugs a host keeps unpacked: those of each app's `perApp` newest releases. (One unpacked
 * moments ago, for a release on its way, is kept by its age: platform/dynos/dyno-fs.ts.)
 */
export async function retainedSlugChecksums(db: Db, perApp: number): Promise<string[]> {
  const { rows } = await db.query<{ checksum: string }>(
    `SELECT DISTINCT s.checksum FROM slugs s
     WHERE s.id IN ${NEWEST_RELEASES_SLUGS}`,
    [perApp],
  );
  return rows.map((r) => r.checksum);
}

/**
 * The blobs still needed: the slugs of each app's current and deploying releases and of its
 * `releasesKept` newest ones (a build's slug row is made with its release, in one transaction),
 * the sources of builds pending or made in the last hour, and the slug a pending build uploaded.
 */
export async function keptBlobChecksums(db: Db, releasesKept: number): Promise<Set<string>> {
  const { rows } = await db.query<{ checksum: string | null }>(
    `WITH recent_builds AS (SELECT * FROM builds WHERE status = 'pending' OR created_at > now() - interval '1 hour')
     SELECT s.checksum FROM slugs s
     WHERE s.id IN (SELECT slug_id FROM current_releases UNION SELECT slug_id FROM target_releases)
        OR s.id IN ${NEWEST_RELEASES_SLUGS}
     UNION SELECT source_checksum FROM recent_builds UNION SELECT source_blob_checksum FROM recent_builds
     UNION SELECT uploaded_checksum FROM builds WHERE status = 'pending'`,
    [releasesKept],
  );
  return new Set(rows.flatMap((r) => (r.checksum ? [r.checksum] : [])));
}

/** Every blob a slug or a build names. */
export async function namedBlobChecksums(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ checksum: string | null }>(
    `SELECT checksum FROM slugs UNION SELECT source_checksum FROM builds
     UNION SELECT source_blob_checksum FROM builds UNION SELECT uploaded_checksum FROM builds`,
  );
  return new Set(rows.flatMap((r) => (r.checksum ? [r.checksum] : [])));
}
