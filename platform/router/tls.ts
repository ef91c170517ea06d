// HTTPS: the certificate for each connection is chosen by SNI among the apps' certificates in the
// table (exact hostname, then the nearest wildcard); a name none covers, or no name at all, gets
// the default one (the self-signed `*.<domain>` bootstrap makes). A TLS context is made on first
// use of a certificate and kept while the table keeps the same certificate object.
import tls from "node:tls";
import type { TlsCertificate } from "../lib/route-contract.ts";
import type { RouteTable } from "./table.ts";

export interface DefaultCertificate {
  /** PEM. */
  key: string;
  /** PEM: the certificate, then its chain. */
  cert: string;
}

export function sniOptions(table: RouteTable, fallback: DefaultCertificate, log?: (line: string) => void): tls.TlsOptions {
  const contexts = new WeakMap<TlsCertificate, tls.SecureContext | null>();
  const contextOf = (cert: TlsCertificate): tls.SecureContext | undefined => {
    let context = contexts.get(cert);
    if (context === undefined) {
      try {
        context = tls.createSecureContext({ key: cert.key, cert: cert.certificate });
      } catch (error) {
        // A key that does not match, a PEM that does not parse: the default serves instead.
        log?.(`router: the certificate of ${cert.app} for ${cert.hostnames.join(", ")} is unusable: ${(error as Error).message}`);
        context = null;
      }
      contexts.set(cert, context);
    }
    return context ?? undefined;
  };
  return {
    key: fallback.key,
    cert: fallback.cert,
    SNICallback(servername, callback) {
      const cert = table.certificate(servername);
      callback(null, cert ? contextOf(cert) : undefined);
    },
  };
}
