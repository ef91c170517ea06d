// A self-signed certificate made once with the OS's openssl and kept in a directory of the data
// dir: `server.pem` (key and certificate together, private) and `cert.pem` (the certificate
// alone, readable by anyone: what clients may trust). The rendezvous server's and the router's
// default `*.<domain>` certificate are both made here.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SelfSignedCert {
  key: string;
  cert: string;
  /** SHA-256 of the certificate, as Node's `fingerprint256` writes it (`AB:CD:…`). */
  fingerprint: string;
}

export interface SelfSignedSpec {
  dir: string;
  /** openssl's -subj, `/CN=…`. */
  subject: string;
  /** subjectAltName entries: `DNS:*.example.test`, `IP:127.0.0.1`. */
  altNames: string[];
}

/** Key and certificate in one file, so that the pair appears (is linked into place) in one step. */
const pairFile = (dir: string) => join(dir, "server.pem");
/** The certificate alone. */
export const publicCertFile = (dir: string) => join(dir, "cert.pem");

/** The pair, made if missing; two processes making it at once both end with the same one. */
export function ensureSelfSignedCert(spec: SelfSignedSpec): SelfSignedCert {
  const { dir } = spec;
  if (!existsSync(pairFile(dir))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = mkdtempSync(join(dir, ".new-"));
    try {
      const [key, cert] = [join(tmp, "key.pem"), join(tmp, "cert.pem")];
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
          "-subj", spec.subject, "-addext", `subjectAltName=${spec.altNames.join(",")}`, "-keyout", key, "-out", cert],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      writeFileSync(join(tmp, "pair.pem"), readFileSync(key, "utf8") + readFileSync(cert, "utf8"), { mode: 0o600 });
      // link, not rename: it fails if another process put its pair there first, and theirs stands.
      try {
        linkSync(join(tmp, "pair.pem"), pairFile(dir));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const pair = parsePair(readFileSync(pairFile(dir), "utf8"), pairFile(dir));
  const certFile = publicCertFile(dir);
  if (!existsSync(certFile) || readFileSync(certFile, "utf8") !== pair.cert) {
    writeFileSync(`${certFile}.new`, pair.cert, { mode: 0o644 });
    renameSync(`${certFile}.new`, certFile);
  }
  return pair;
}

/** The fingerprint of the certificate in `dir`, or undefined before it was made. */
export function selfSignedFingerprint(dir: string): string | undefined {
  const file = publicCertFile(dir);
  return existsSync(file) ? new X509Certificate(readFileSync(file)).fingerprint256 : undefined;
}

function parsePair(text: string, file: string): SelfSignedCert {
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(text)?.[0];
  if (!key || !cert) throw new Error(`${file} holds no key or no certificate: remove it to make a new one`);
  return { key, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
