// An app's custom domains (its default <app>.<OURO_DOMAIN> follows from its name and is not
// stored). A hostname belongs to one app at most: the table's unique key decides.
import type pg from "pg";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import { invalidParams, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface DomainRow {
  id: string;
  app_id: string;
  hostname: string;
  /** The certificate chosen for it; null: the best of the app's that covers it. */
  sni_endpoint_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** As Heroku's: enough for any site, few enough that the router's table stays small. */
export const MAX_DOMAINS_PER_APP = 1000;

const COLUMNS = "id, app_id, hostname, sni_endpoint_id, created_at, updated_at";

export async function listDomains(db: Db, appId: string): Promise<DomainRow[]> {
  return (await db.query<DomainRow>(`SELECT ${COLUMNS} FROM domains WHERE app_id = $1 ORDER BY hostname`, [appId])).rows;
}

/** The app's domain by id or hostname (lower case); undefined when it has none such. */
export async function findDomain(db: Db, appId: string, idOrHostname: string): Promise<DomainRow | undefined> {
  const byId = isUuid(idOrHostname);
  const { rows } = await db.query<DomainRow>(
    `SELECT ${COLUMNS} FROM domains WHERE app_id = $1 AND ${byId ? "id = $2::uuid" : "hostname = $2"}`,
    [appId, byId ? idOrHostname : idOrHostname.toLowerCase()],
  );
  return rows[0];
}

/**
 * Adds `hostname` to the app, or answers which app has it already (`taken`: that app's id, this
 * one's included): the caller says so in words that suit who is asking.
 */
export async function insertDomain(
  db: Db,
  domain: { appId: string; hostname: string; sniEndpointId: string | null },
  audit?: AuditEntry,
): Promise<{ row: DomainRow } | { taken: string }> {
  return transaction(db, async (client) => {
    // One insert at a time per app, so the count below holds.
    await client.query("SELECT 1 FROM apps WHERE id = $1 FOR UPDATE", [domain.appId]);
    const holder = await heldBy(client, domain.hostname);
    if (holder) return { taken: holder };
    const { rows: counted } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM domains WHERE app_id = $1", [domain.appId]);
    if (counted[0]!.n >= MAX_DOMAINS_PER_APP) throw invalidParams(`An app may have at most ${MAX_DOMAINS_PER_APP} custom domains.`);
    const { rows } = await client.query<DomainRow>(
      `INSERT INTO domains (app_id, hostname, sni_endpoint_id) VALUES ($1, $2, $3) ON CONFLICT (hostname) DO NOTHING RETURNING ${COLUMNS}`,
      [domain.appId, domain.hostname, domain.sniEndpointId],
    );
    // Another app's insert won the race since the check above.
    if (!rows[0]) return { taken: (await heldBy(client, domain.hostname))! };
    await recordAuditIf(client, audit);
    return { row: rows[0] };
  });
}

async function heldBy(client: pg.PoolClient, hostname: string): Promise<string | undefined> {
  const { rows } = await client.query<{ app_id: string }>("SELECT app_id FROM domains WHERE hostname = $1", [hostname]);
  return rows[0]?.app_id;
}

export async function setDomainEndpoint(db: Db, domainId: string, sniEndpointId: string | null, audit?: AuditEntry): Promise<DomainRow> {
  return transaction(db, async (client) => {
    const { rows } = await client.query<DomainRow>(
      `UPDATE domains SET sni_endpoint_id = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [domainId, sniEndpointId],
    );
    if (!rows[0]) throw notFound("Couldn't find that domain: it was removed meanwhile.");
    await recordAuditIf(client, audit);
    return rows[0];
  });
}

export async function deleteDomain(db: Db, domainId: string, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM domains WHERE id = $1", [domainId]);
    await recordAuditIf(client, audit);
  });
}
