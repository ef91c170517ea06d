// Which of an app's certificates the router serves for each of its custom domains: the one the
// user chose while it still covers the name, else the best that covers it (a name of its own over
// a wildcard, then the one that lasts longest, then the newest). Each hostname goes to one
// certificate, and a certificate serves only its app's hostnames: an app's upload never answers
// for another app's name. Pure: the API's shapes and what it publishes to the router share it.
import { matchHostname } from "../lib/route-contract.ts";

export interface AssignableDomain {
  id: string;
  hostname: string;
  sni_endpoint_id: string | null;
}

export interface AssignableCertificate {
  id: string;
  hostnames: string[];
  expires_at: Date;
  created_at: Date;
}

/** Whether a certificate for `names` is valid for `hostname` (a wildcard covers one label). */
export function covers(names: readonly string[], hostname: string): boolean {
  return matchHostname(hostname, new Map(names.map((name) => [name, true]))) !== undefined;
}

function better(a: AssignableCertificate, b: AssignableCertificate, hostname: string): boolean {
  const exact = (c: AssignableCertificate) => c.hostnames.includes(hostname);
  if (exact(a) !== exact(b)) return exact(a);
  if (a.expires_at.getTime() !== b.expires_at.getTime()) return a.expires_at > b.expires_at;
  return a.created_at > b.created_at;
}

/** Domain id → the id of the certificate that serves it; a domain no certificate covers is left out. */
export function assignCertificates(domains: readonly AssignableDomain[], certificates: readonly AssignableCertificate[]): Map<string, string> {
  const assigned = new Map<string, string>();
  for (const domain of domains) {
    const candidates = certificates.filter((c) => covers(c.hostnames, domain.hostname));
    const chosen = candidates.find((c) => c.id === domain.sni_endpoint_id);
    const best = chosen ?? candidates.reduce<AssignableCertificate | undefined>((a, b) => (a && !better(b, a, domain.hostname) ? a : b), undefined);
    if (best) assigned.set(domain.id, best.id);
  }
  return assigned;
}
