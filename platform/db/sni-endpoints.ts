// An app's TLS certificates (Heroku's SNI endpoints). The private key is read only by
// `listRoutingFacts` (routing.ts), which hands it to the router: no row here carries it.
import { randomInt } from "node:crypto";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import { notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface SniEndpointRow {
  id: string;
  app_id: string;
  name: string;
  certificate_chain: string;
  hostnames: string[];
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

/** A certificate as the API parsed it (platform/api/certificates.ts). */
export interface CertificateValues {
  chain: string;
  key: string;
  hostnames: string[];
  expiresAt: Date;
}

const COLUMNS = "id, app_id, name, certificate_chain, hostnames, expires_at, created_at, updated_at";

// Names as Heroku's (`tokyo-1050`): short, and unique within the app.
const WORDS = ["akita", "bergen", "cusco", "dakar", "evora", "fukui", "galway", "hanoi", "izmir", "jaipur", "kyoto", "lagos", "malmo", "nara", "oaxaca", "perth"];
const endpointName = () => `${WORDS[randomInt(WORDS.length)]}-${randomInt(10000, 100000)}`;

export async function listSniEndpoints(db: Db, appId: string): Promise<SniEndpointRow[]> {
  return (await db.query<SniEndpointRow>(`SELECT ${COLUMNS} FROM sni_endpoints WHERE app_id = $1 ORDER BY name`, [appId])).rows;
}

/** The app's certificate by id or name; undefined when it has none such. */
export async function findSniEndpoint(db: Db, appId: string, idOrName: string): Promise<SniEndpointRow | undefined> {
  const byId = isUuid(idOrName);
  const { rows } = await db.query<SniEndpointRow>(
    `SELECT ${COLUMNS} FROM sni_endpoints WHERE app_id = $1 AND ${byId ? "id = $2::uuid" : "name = $2"}`,
    [appId, idOrName],
  );
  return rows[0];
}

export async function insertSniEndpoint(db: Db, appId: string, cert: CertificateValues, audit?: (name: string) => AuditEntry): Promise<SniEndpointRow> {
  return transaction(db, async (client) => {
    // A name the app has already is drawn again.
    for (;;) {
      const name = endpointName();
      const { rows } = await client.query<SniEndpointRow>(
        `INSERT INTO sni_endpoints (app_id, name, certificate_chain, private_key, hostnames, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_id, name) DO NOTHING RETURNING ${COLUMNS}`,
        [appId, name, cert.chain, cert.key, cert.hostnames, cert.expiresAt],
      );
      if (!rows[0]) continue;
      await recordAuditIf(client, audit?.(name));
      return rows[0];
    }
  });
}

export async function updateSniEndpoint(db: Db, id: string, cert: CertificateValues, audit?: AuditEntry): Promise<SniEndpointRow> {
  return transaction(db, async (client) => {
    const { rows } = await client.query<SniEndpointRow>(
      `UPDATE sni_endpoints SET certificate_chain = $2, private_key = $3, hostnames = $4, expires_at = $5, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, cert.chain, cert.key, cert.hostnames, cert.expiresAt],
    );
    if (!rows[0]) throw notFound("Couldn't find that SSL certificate: it was removed meanwhile.");
    await recordAuditIf(client, audit);
    return rows[0];
  });
}

export async function deleteSniEndpoint(db: Db, id: string, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM sni_endpoints WHERE id = $1", [id]);
    await recordAuditIf(client, audit);
  });
}
