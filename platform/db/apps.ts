import type { Db } from "./pool.ts";
import { conflict, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface AppRow {
  id: string;
  name: string;
  system: boolean;
  config: Record<string, string>;
  owner_id: string;
  owner_email: string;
  created_at: Date;
  updated_at: Date;
  released_at: Date | null;
  buildpack_description: string | null;
}

const SELECT_APP = `
  SELECT a.id, a.name, a.system, a.config, a.owner_id, u.email AS owner_email, a.created_at, a.updated_at,
         r.created_at AS released_at, s.buildpack_description
  FROM apps a
  JOIN users u ON u.id = a.owner_id
  LEFT JOIN current_releases r ON r.app_id = a.id
  LEFT JOIN slugs s ON s.id = r.slug_id`;

export async function listApps(db: Db, opts: { includeSystem: boolean }): Promise<AppRow[]> {
  const where = opts.includeSystem ? "" : "WHERE NOT a.system";
  return (await db.query<AppRow>(`${SELECT_APP} ${where} ORDER BY a.name`)).rows;
}

/** Finds an app by name or id; 404 when there is none. */
export async function getApp(db: Db, nameOrId: string): Promise<AppRow> {
  const byId = isUuid(nameOrId);
  const { rows } = await db.query<AppRow>(`${SELECT_APP} WHERE ${byId ? "a.id = $1::uuid" : "a.name = $1"}`, [
    nameOrId,
  ]);
  if (!rows[0]) throw notFound(`Couldn't find that app: ${nameOrId}.`);
  return rows[0];
}

export async function createApp(db: Db, opts: { name: string; ownerId: string; system?: boolean }): Promise<AppRow> {
  const { rowCount } = await db.query(
    "INSERT INTO apps (name, owner_id, system) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    [opts.name, opts.ownerId, opts.system ?? false],
  );
  if (rowCount === 0) throw conflict(`Name ${opts.name} is already taken.`);
  return getApp(db, opts.name);
}

export async function deleteApp(db: Db, id: string): Promise<void> {
  await db.query("DELETE FROM apps WHERE id = $1", [id]);
}

/** Of these app ids, the ones whose app still exists. */
export async function existingAppIds(db: Db, appIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM apps WHERE id = ANY($1::uuid[])", [appIds]);
  return new Set(rows.map((r) => r.id));
}
