// Who besides its owner may use an app (Heroku's collaborators), and moving an app to a new owner.
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import type { AppRow } from "./apps.ts";
import type { User } from "./users.ts";
import { conflict, invalidParams } from "../lib/errors.ts";

export interface CollaboratorRow {
  /** The collaboration's id; the owner's row has the app's id. */
  id: string;
  user_id: string;
  email: string;
  role: "owner" | "collaborator";
  created_at: Date;
  updated_at: Date;
}

/** The owner first, then collaborators by when they were added. */
export async function listCollaborators(db: Db, appId: string): Promise<CollaboratorRow[]> {
  const { rows } = await db.query<CollaboratorRow>(
    `SELECT a.id, u.id AS user_id, u.email, 'owner' AS role, a.created_at, a.updated_at, 0 AS ord
     FROM apps a JOIN users u ON u.id = a.owner_id WHERE a.id = $1
     UNION ALL
     SELECT c.id, u.id, u.email, 'collaborator', c.created_at, c.updated_at, 1
     FROM collaborators c JOIN users u ON u.id = c.user_id WHERE c.app_id = $1
     ORDER BY ord, created_at, email`,
    [appId],
  );
  return rows.map(({ ord: _ord, ...row }: CollaboratorRow & { ord?: number }) => row);
}

export async function addCollaborator(db: Db, app: AppRow, user: User, audit?: AuditEntry): Promise<CollaboratorRow> {
  if (user.id === app.owner_id) throw invalidParams(`${user.email} owns ${app.name} already.`);
  await transaction(db, async (client) => {
    const { rowCount } = await client.query("INSERT INTO collaborators (app_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [app.id, user.id]);
    if (!rowCount) throw conflict(`${user.email} is already a collaborator on ${app.name}.`);
    await recordAuditIf(client, audit);
  });
  return (await listCollaborators(db, app.id)).find((c) => c.user_id === user.id)!;
}

/** Removes a collaborator; undefined when that user was not one. */
export async function removeCollaborator(db: Db, app: AppRow, user: User, audit?: AuditEntry): Promise<CollaboratorRow | undefined> {
  const removed = (await listCollaborators(db, app.id)).find((c) => c.user_id === user.id && c.role === "collaborator");
  if (!removed) return undefined;
  await transaction(db, async (client) => {
    await client.query("DELETE FROM collaborators WHERE app_id = $1 AND user_id = $2", [app.id, user.id]);
    await recordAuditIf(client, audit);
  });
  return removed;
}

/**
 * Makes `recipient` the owner of `app`. As on Heroku, the previous owner stays on as a
 * collaborator; the recipient's collaboration, if any, becomes ownership.
 */
export async function transferApp(db: Db, app: AppRow, recipient: User, audit?: AuditEntry): Promise<void> {
  if (recipient.id === app.owner_id) throw invalidParams(`${recipient.email} owns ${app.name} already.`);
  await transaction(db, async (client) => {
    const { rows } = await client.query<{ owner_id: string }>("SELECT owner_id FROM apps WHERE id = $1 FOR UPDATE", [app.id]);
    // The recipient may have been removed since they were looked up: the update then fails on the key.
    await client.query("UPDATE apps SET owner_id = $2, updated_at = now() WHERE id = $1", [app.id, recipient.id]);
    await client.query("DELETE FROM collaborators WHERE app_id = $1 AND user_id = $2", [app.id, recipient.id]);
    await client.query("INSERT INTO collaborators (app_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [app.id, rows[0]!.owner_id]);
    await recordAuditIf(client, audit);
  });
}
