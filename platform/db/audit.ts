// The audit trail: who changed what, on which app, from which address. An entry is written by
// the change's own transaction (each change function takes an optional entry), so a change
// that rolls back leaves no entry and a recorded change always has one.
import type pg from "pg";
import type { Db } from "./pool.ts";

export interface AuditEntry {
  /** Who: their id and email as it was (entries outlive users). */
  actorId: string | null;
  actor: string;
  action: string;
  appId?: string | null;
  app?: string | null;
  detail?: Record<string, unknown>;
  /** The client's address as the API saw it. */
  address?: string | null;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  actor_id: string | null;
  action: string;
  app: string | null;
  app_id: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query("INSERT INTO audit_log (actor_id, actor, action, app_id, app, detail, address) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
    entry.actorId,
    entry.actor,
    entry.action,
    entry.appId ?? null,
    entry.app ?? null,
    entry.detail ?? {},
    entry.address ?? null,
  ]);
}

/** Records `entry`, when there is one, in the caller's transaction. */
export async function recordAuditIf(db: Queryable, entry: AuditEntry | undefined): Promise<void> {
  if (entry) await recordAudit(db, entry);
}

/**
 * Newest first. `viewer` limits it to what that user may read: entries of apps they can reach
 * now, and their own (keys, users). The admin (no viewer) reads everything.
 */
export async function listAudit(
  db: Db,
  opts: { appId?: string; viewerId?: string; limit: number; before?: string },
): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (opts.appId) where.push(`l.app_id = ${param(opts.appId)}`);
  if (opts.viewerId) {
    const viewer = param(opts.viewerId);
    where.push(`(l.actor_id = ${viewer} OR l.app_id IN (
      SELECT id FROM apps WHERE owner_id = ${viewer} AND NOT system
      UNION SELECT c.app_id FROM collaborators c JOIN apps a ON a.id = c.app_id WHERE c.user_id = ${viewer} AND NOT a.system))`);
  }
  if (opts.before) where.push(`l.id < ${param(opts.before)}`);
  const { rows } = await db.query<AuditRow>(
    `SELECT l.id::text, l.at, l.actor, l.actor_id, l.action, l.app, l.app_id, l.address, l.detail FROM audit_log l
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY l.id DESC LIMIT ${param(opts.limit)}`,
    params,
  );
  return rows;
}
