// The rendezvous server's TLS certificate (platform/dynos/rendezvous.ts): self-signed, made once
// under the data dir (self-signed-cert.ts). The dyno manager serves it; the API reads only the
// certificate, to hand clients its fingerprint to pin; a heroku CLI can trust the certificate
// file instead (NODE_EXTRA_CA_CERTS), as it names 127.0.0.1, where the server listens.
import { join } from "node:path";
import { type SelfSignedCert, ensureSelfSignedCert, publicCertFile, selfSignedFingerprint } from "./self-signed-cert.ts";

const dirOf = (dataDir: string) => join(dataDir, "rendezvous");

/** The certificate alone, readable by anyone: what clients may trust. */
export const rendezvousCertFile = (dataDir: string) => publicCertFile(dirOf(dataDir));

/** The key pair, made if missing. */
export function ensureRendezvousCert(dataDir: string): SelfSignedCert {
  return ensureSelfSignedCert({ dir: dirOf(dataDir), subject: "/CN=ouro-rendezvous", altNames: ["IP:127.0.0.1", "DNS:localhost"] });
}

/** The fingerprint of the certificate clients will meet, or undefined before the dyno manager made it. */
export const rendezvousFingerprint = (dataDir: string) => selfSignedFingerprint(dirOf(dataDir));
