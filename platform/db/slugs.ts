import type pg from "pg";
import type { Db } from "./pool.ts";
import { notFound } from "../lib/errors.ts";
import { slugBlobs } from "../lib/slug-layers.ts";

export interface SlugRow {
  id: string;
  app_id: string;
  /** Of the slug as one tarball. */
  checksum: string;
  /** Its blobs, bottom first, when it is in layers (platform/lib/slug-layers.ts). */
  layers: string[] | null;
  size: number;
  process_types: Record<string, string>;
  commit: string | null;
  stack: string;
  buildpack_description: string | null;
  created_at: Date;
}

export type NewSlug = Omit<SlugRow, "id" | "created_at" | "layers"> & { layers?: string[] | null };

export async function createSlug(db: Db | pg.PoolClient, slug: NewSlug): Promise<SlugRow> {
  const { rows } = await db.query<SlugRow>(
    `INSERT INTO slugs (app_id, checksum, layers, size, process_types, commit, stack, buildpack_description)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [slug.app_id, slug.checksum, slug.layers ?? null, slug.size, slug.process_types, slug.commit, slug.stack, slug.buildpack_description],
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

/** An app's slug's blobs, bottom first (platform/lib/slug-layers.ts): its layers, or itself; undefined when the app has no such slug. */
export async function slugLayersOf(db: Db, appId: string, checksum: string): Promise<string[] | undefined> {
  const { rows } = await db.query<{ layers: string[] | null }>(
    "SELECT layers FROM slugs WHERE app_id = $1 AND checksum = $2 ORDER BY created_at DESC LIMIT 1",
    [appId, checksum],
  );
  return rows[0] && slugBlobs({ checksum, layers: rows[0].layers });
}

/** A slug's blobs (its layers, or itself), as rows of `checksum`. */
const SLUG_BLOBS = "unnest(coalesce(s.layers, ARRAY[s.checksum]))";

/** What a build's dyno uploaded: its slug, or its layers and the runtime layers it stored. */
const UPLOADED_BLOBS = "unnest(coalesce(uploaded_slug_layers, ARRAY[uploaded_checksum]) || uploaded_layers)";

/** The slug ids of each app's $1 newest releases. */
const NEWEST_RELEASES_SLUGS = `(SELECT slug_id FROM (
  SELECT slug_id, row_number() OVER (PARTITION BY app_id ORDER BY version DESC) AS n FROM releases WHERE slug_id IS NOT NULL
) newest WHERE n <= $1)`;

/**
 * The slug blobs a host keeps unpacked: those of each app's `perApp` newest releases. (One
 * unpacked moments ago, for a release on its way, is kept by its age: platform/dynos/dyno-fs.ts.)
 */
export async function retainedSlugChecksums(db: Db, perApp: number): Promise<string[]> {
  const { rows } = await db.query<{ checksum: string }>(
    `SELECT DISTINCT ${SLUG_BLOBS} AS checksum FROM slugs s
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
     SELECT ${SLUG_BLOBS} AS checksum FROM slugs s
     WHERE s.id IN (SELECT slug_id FROM current_releases UNION SELECT slug_id FROM target_releases)
        OR s.id IN ${NEWEST_RELEASES_SLUGS}
     UNION SELECT source_checksum FROM recent_builds UNION SELECT source_blob_checksum FROM recent_builds
     UNION SELECT ${UPLOADED_BLOBS} FROM builds WHERE status = 'pending'`,
    [releasesKept],
  );
  return new Set(rows.flatMap((r) => (r.checksum ? [r.checksum] : [])));
}

/** Every blob a slug or a build names. */
export async function namedBlobChecksums(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ checksum: string | null }>(
    `SELECT ${SLUG_BLOBS} AS checksum FROM slugs s UNION SELECT source_checksum FROM builds
     UNION SELECT source_blob_checksum FROM builds UNION SELECT ${UPLOADED_BLOBS} FROM builds`,
  );
  return new Set(rows.flatMap((r) => (r.checksum ? [r.checksum] : [])));
}
