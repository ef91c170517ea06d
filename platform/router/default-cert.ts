// The router's default HTTPS certificate: self-signed for `*.<domain>` and `<domain>`, made once
// (by bootstrap, or by the router if it is missing) under the data dir, one per domain.
import { join } from "node:path";
import { ensureSelfSignedCert, publicCertFile } from "../lib/self-signed-cert.ts";
import type { DefaultCertificate } from "./tls.ts";

const dirOf = (dataDir: string, domain: string) => join(dataDir, "router", domain.toLowerCase());

/** The certificate alone, for a client to trust (`curl --cacert`, NODE_EXTRA_CA_CERTS). */
export const defaultCertFile = (dataDir: string, domain: string) => publicCertFile(dirOf(dataDir, domain));

export function ensureDefaultCertificate(dataDir: string, domain: string): DefaultCertificate {
  const name = domain.toLowerCase();
  const pair = ensureSelfSignedCert({ dir: dirOf(dataDir, name), subject: `/CN=*.${name}`, altNames: [`DNS:*.${name}`, `DNS:${name}`] });
  return { key: pair.key, cert: pair.cert };
}
