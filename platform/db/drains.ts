import { randomUUID } from "node:crypto";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import { conflict, invalidParams, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface DrainRow {
  id: string;
  app_id: string;
  /** The app's name, as the forwarder reads its log stream by it. */
  app: string;
  url: string;
  token: string;
  created_at: Date;
}

/** At most this many drains per app: each is a connection the kernel keeps. */
export const MAX_DRAINS_PER_APP = 5;

const SELECT = "SELECT d.id, d.app_id, a.name AS app, d.url, d.token, d.created_at FROM log_drains d JOIN apps a ON a.id = d.app_id";

export async function listDrains(db: Db, appId?: string): Promise<DrainRow[]> {
  const { rows } = await db.query<DrainRow>(`${SELECT} WHERE $1::uuid IS NULL OR d.app_id = $1 ORDER BY d.created_at, d.url`, [appId ?? null]);
  return rows;
}

export async function addDrain(db: Db, appId: string, url: string, audit?: AuditEntry): Promise<DrainRow> {
  return transaction(db, async (client) => {
    await client.query("SELECT 1 FROM apps WHERE id = $1 FOR UPDATE", [appId]);
    const { rows: count } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM log_drains WHERE app_id = $1", [appId]);
    if (count[0]!.n >= MAX_DRAINS_PER_APP) throw invalidParams(`An app may have at most ${MAX_DRAINS_PER_APP} log drains; remove one first.`);
    const inserted = await client.query<{ id: string }>(
      "INSERT INTO log_drains (app_id, url, token) VALUES ($1, $2, $3) ON CONFLICT (app_id, url) DO NOTHING RETURNING id",
      [appId, url, `d.${randomUUID()}`],
    );
    if (!inserted.rows[0]) throw conflict(`${url} is already a log drain of this app.`);
    await recordAuditIf(client, audit);
    return (await client.query<DrainRow>(`${SELECT} WHERE d.id = $1`, [inserted.rows[0].id])).rows[0]!;
  });
}

/** An app's drain by id, token or URL; 404 when it has none such. */
export async function getDrain(db: Db, appId: string, ref: string): Promise<DrainRow> {
  const { rows } = await db.query<DrainRow>(
    `${SELECT} WHERE d.app_id = $1 AND (${isUuid(ref) ? "d.id = $2::uuid" : "d.url = $2 OR d.token = $2"})`,
    [appId, ref],
  );
  if (!rows[0]) throw notFound(`Couldn't find that log drain: ${ref}.`);
  return rows[0];
}

export async function removeDrain(db: Db, id: string, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM log_drains WHERE id = $1", [id]);
    await recordAuditIf(client, audit);
  });
}
