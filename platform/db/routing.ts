// What the router is told about apps besides their dynos (platform/lib/route-contract.ts): custom
// domains, certificates with their private keys, and maintenance mode. Read for one app after
// each change to it, and for every app when the API starts.
import type { Db } from "./pool.ts";

export interface RoutedDomain {
  id: string;
  app_id: string;
  app: string;
  hostname: string;
  sni_endpoint_id: string | null;
}

export interface RoutedCertificate {
  id: string;
  app_id: string;
  app: string;
  certificate_chain: string;
  private_key: string;
  hostnames: string[];
  expires_at: Date;
  created_at: Date;
}

export interface RoutingFacts {
  domains: RoutedDomain[];
  certificates: RoutedCertificate[];
  /** Names of the apps in maintenance mode. */
  maintenance: string[];
}

/**
 * Every app's facts, or those of the app named `app` now (none once it is deleted): by name, as
 * the router's table is keyed, so a name deleted and made again is read as it is now.
 */
export async function listRoutingFacts(db: Db, app?: string): Promise<RoutingFacts> {
  const where = app === undefined ? "" : "WHERE a.name = $1";
  const params = app === undefined ? [] : [app];
  const [domains, certificates, maintenance] = await Promise.all([
    db.query<RoutedDomain>(`SELECT d.id, d.app_id, a.name AS app, d.hostname, d.sni_endpoint_id FROM domains d JOIN apps a ON a.id = d.app_id ${where}`, params),
    db.query<RoutedCertificate>(
      `SELECT s.id, s.app_id, a.name AS app, s.certificate_chain, s.private_key, s.hostnames, s.expires_at, s.created_at
       FROM sni_endpoints s JOIN apps a ON a.id = s.app_id ${where}`,
      params,
    ),
    db.query<{ name: string }>(`SELECT a.name FROM apps a ${where ? `${where} AND` : "WHERE"} a.maintenance`, params),
  ]);
  return { domains: domains.rows, certificates: certificates.rows, maintenance: maintenance.rows.map((r) => r.name) };
}
