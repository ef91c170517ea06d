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

export async function getSlug(db: Db, appId: string, id: string): Promise<SlugRow> {
  const { rows } = await db.query<SlugRow>("SELECT * FROM slugs WHERE app_id = $1 AND id::text = $2", [appId, id]);
  if (!rows[0]) throw notFound(`Couldn't find that slug: ${id}.`);
  return rows[0];
}
