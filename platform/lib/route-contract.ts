// What the router reads from Redis besides each app's web dynos (channels.ts: APPS_KEY, ROUTES_KEY):
// custom domains, TLS certificates, maintenance mode and the apps that are never public. The API
// writes these keys (and rewrites them whole at its start, from the database); the router reloads
// its whole table on ROUTES_CHANNEL. One owner for the names and the value shapes: both import this.
import { z } from "zod";

/** Hash: a custom hostname, lower case and without a port (`www.example.com`, `*.example.com`) → app name. */
export const DOMAINS_KEY = "ouro:domains";

/** Hash: certificate id → JSON `TlsCertificate`. The router picks one by SNI against its hostnames. */
export const CERTS_KEY = "ouro:certs";

/** Set of app names in maintenance mode: the router answers them with a 503 maintenance page. */
export const MAINTENANCE_KEY = "ouro:maintenance";

/**
 * Set of app names the public router never serves (the add-on providers: their API is the
 * kernel's, reached directly on their dynos); a request for one gets the unknown-app 404.
 */
export const INTERNAL_APPS_KEY = "ouro:internal-apps";

export const TlsCertificate = z.object({
  app: z.string(),
  /** PEM: the certificate, then its chain. */
  certificate: z.string(),
  /** PEM. */
  key: z.string(),
  /**
   * The hostnames to serve it for, lower case; wildcards as `*.example.com`: the app's own custom
   * domains that its subject alternative names cover. A hostname is in one certificate at most,
   * and never another app's (the API decides, platform/api/cert-assignment.ts); may be empty.
   */
  hostnames: z.array(z.string()),
});
export type TlsCertificate = z.infer<typeof TlsCertificate>;

/**
 * The entry for `host` among `names` (exact first, then the nearest wildcard `*.parent`): how both
 * custom domains and certificates are matched. `host` is lower case, without a port.
 */
export function matchHostname<T>(host: string, names: ReadonlyMap<string, T>): T | undefined {
  const exact = names.get(host);
  if (exact !== undefined) return exact;
  const dot = host.indexOf(".");
  return dot > 0 ? names.get(`*${host.slice(dot)}`) : undefined;
}
