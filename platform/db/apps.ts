import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import type { User } from "./users.ts";
import type { StrategyName } from "../dynos/model.ts";
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
  /** The current release's slug, in bytes; null before a first release with a slug. */
  slug_size: number | null;
  /** How its dynos are replaced (platform/dynos/model.ts, Strategy). */
  strategy: StrategyName;
  strategy_batch: number;
  /** The router answers its requests with a maintenance page (503). */
  maintenance: boolean;
}

const SELECT_APP = `
  SELECT a.id, a.name, a.system, a.config, a.owner_id, u.email AS owner_email, a.created_at, a.updated_at, a.strategy, a.strategy_batch, a.maintenance,
         r.created_at AS released_at, s.buildpack_description, s.size::float8 AS slug_size
  FROM apps a
  JOIN users u ON u.id = a.owner_id
  LEFT JOIN current_releases r ON r.app_id = a.id
  LEFT JOIN slugs s ON s.id = r.slug_id`;

/** Apps a non-admin user may reach: owned or shared with them, never a system app. */
const REACHABLE = (user: string) => `NOT a.system AND (a.owner_id = ${user}
  OR EXISTS (SELECT 1 FROM collaborators c WHERE c.app_id = a.id AND c.user_id = ${user}))`;

/**
 * The apps `viewer` may see (all of them for an admin, or for the platform itself: no viewer);
 * system apps only when asked for, and never to a user who is not an admin.
 */
export async function listApps(db: Db, opts: { viewer?: User; includeSystem: boolean }): Promise<AppRow[]> {
  if (!opts.viewer || opts.viewer.admin) {
    const where = opts.includeSystem ? "" : "WHERE NOT a.system";
    return (await db.query<AppRow>(`${SELECT_APP} ${where} ORDER BY a.name`)).rows;
  }
  return (await db.query<AppRow>(`${SELECT_APP} WHERE ${REACHABLE("$1")} ORDER BY a.name`, [opts.viewer.id])).rows;
}

/**
 * Whether `user` may see and change `app` as read (owner, collaborator or admin; system apps:
 * admin only). Only a collaborator costs a query.
 */
export async function canReach(db: Db, user: User, app: Pick<AppRow, "id" | "system" | "owner_id">): Promise<boolean> {
  if (user.admin) return true;
  if (app.system) return false;
  if (app.owner_id === user.id) return true;
  const { rows } = await db.query("SELECT 1 FROM collaborators WHERE app_id = $1 AND user_id = $2", [app.id, user.id]);
  return rows.length === 1;
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

export async function createApp(
  db: Db,
  opts: { name: string; ownerId: string; system?: boolean },
  audit?: Omit<AuditEntry, "appId">,
): Promise<AppRow> {
  await transaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO apps (name, owner_id, system) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id",
      [opts.name, opts.ownerId, opts.system ?? false],
    );
    if (!rows[0]) throw conflict(`Name ${opts.name} is already taken.`);
    await recordAuditIf(client, audit && { ...audit, appId: rows[0].id });
  });
  return getApp(db, opts.name);
}

export async function deleteApp(db: Db, id: string, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM apps WHERE id = $1", [id]);
    await recordAuditIf(client, audit);
  });
}

/** Puts the app in maintenance mode or takes it out. */
export async function setMaintenance(db: Db, id: string, maintenance: boolean, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("UPDATE apps SET maintenance = $2, updated_at = now() WHERE id = $1", [id, maintenance]);
    await recordAuditIf(client, audit);
  });
}

/** Of these app ids, the ones whose app still exists. */
export async function existingAppIds(db: Db, appIds: string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM apps WHERE id = ANY($1::uuid[])", [appIds]);
  return new Set(rows.map((r) => r.id));
}
