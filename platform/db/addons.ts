import { type Db, transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { conflict, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface AddonRow {
  id: string;
  app_id: string;
  /** The add-on service, e.g. `postgres`. */
  service: string;
  /** `<service>:<plan>`, e.g. `postgres:standard`. */
  plan: string;
  name: string;
  config_vars: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, app_id, service, plan, name, config_vars, created_at, updated_at";

export async function listAddons(db: Db, appId: string): Promise<AddonRow[]> {
  return (await db.query<AddonRow>(`SELECT ${COLUMNS} FROM addons WHERE app_id = $1 ORDER BY created_at, name`, [appId])).rows;
}

/** The add-ons of these apps, each app's oldest first. */
export async function listAddonsOf(db: Db, appIds: string[]): Promise<AddonRow[]> {
  return (await db.query<AddonRow>(`SELECT ${COLUMNS} FROM addons WHERE app_id = ANY($1::uuid[]) ORDER BY created_at, name`, [appIds])).rows;
}

/** Every add-on, of whatever app, with this id or name (an add-on's name is unique; an id is too). */
export async function findAddons(db: Db, idOrName: string): Promise<AddonRow[]> {
  const byId = isUuid(idOrName);
  return (await db.query<AddonRow>(`SELECT ${COLUMNS} FROM addons WHERE ${byId ? "id = $1::uuid" : "name = $1"}`, [idOrName])).rows;
}

/** An app's add-on by id or name; 404 when it has none such. */
export async function getAddon(db: Db, appId: string, idOrName: string): Promise<AddonRow> {
  const byId = isUuid(idOrName);
  const { rows } = await db.query<AddonRow>(
    `SELECT ${COLUMNS} FROM addons WHERE app_id = $1 AND ${byId ? "id = $2::uuid" : "name = $2"}`,
    [appId, idOrName],
  );
  if (!rows[0]) throw notFound(`Couldn't find that add-on: ${idOrName}.`);
  return rows[0];
}

export async function insertAddon(db: Db, addon: Omit<AddonRow, "created_at" | "updated_at">): Promise<AddonRow> {
  const { rows } = await db.query<AddonRow>(
    `INSERT INTO addons (id, app_id, service, plan, name, config_vars) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [addon.id, addon.app_id, addon.service, addon.plan, addon.name, addon.config_vars],
  );
  if (!rows[0]) throw conflict(`Name ${addon.name} is already taken.`);
  return rows[0];
}

export async function deleteAddon(db: Db, id: string, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM addons WHERE id = $1", [id]);
    await recordAuditIf(client, audit);
  });
}

/** What decides an app's network paths (platform/dynos/app-paths.ts); undefined once it is deleted. */
export async function appNetworkFacts(db: Db, appId: string): Promise<{ name: string; system: boolean; addonServices: string[] } | undefined> {
  const { rows } = await db.query<{ name: string; system: boolean; services: string[] }>(
    `SELECT a.name, a.system, coalesce(array_agg(DISTINCT ad.service) FILTER (WHERE ad.service IS NOT NULL), '{}') AS services
     FROM apps a LEFT JOIN addons ad ON ad.app_id = a.id WHERE a.id = $1 GROUP BY a.id`,
    [appId],
  );
  const row = rows[0];
  return row && { name: row.name, system: row.system, addonServices: row.services };
}
