// The rendezvous server's TLS certificate (platform/dynos/rendezvous.ts): self-signed, made once
// under the data dir (platform/lib/self-signed-cert.ts, as the router's default certificate is).
// The dyno manager serves it; the API reads only the certificate, to hand clients its fingerprint
// to pin; a heroku CLI can trust the certificate file instead (NODE_EXTRA_CA_CERTS), as it names
// 127.0.0.1.
import { join } from "node:path";
import { type SelfSignedCert, ensureSelfSignedCert, publicCertFile, selfSignedFingerprint } from "./self-signed-cert.ts";

export type RendezvousCert = SelfSignedCert;

const dirOf = (dataDir: string) => join(dataDir, "rendezvous");

/** The certificate alone, readable by anyone: what clients may trust. */
export const rendezvousCertFile = (dataDir: string) => publicCertFile(dirOf(dataDir));

/** The pair, made if missing; two processes making it at once both end with the same one. */
export function ensureRendezvousCert(dataDir: string): RendezvousCert {
  return ensureSelfSignedCert({ dir: dirOf(dataDir), subject: "/CN=ouro-rendezvous", altNames: ["IP:127.0.0.1", "DNS:localhost"] });
}

/** The fingerprint of the certificate clients will meet, or undefined before the dyno manager made it. */
export function rendezvousFingerprint(dataDir: string): string | undefined {
  return selfSignedFingerprint(dirOf(dataDir));
}
