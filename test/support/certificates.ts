// TLS certificates made for a test with the machine's openssl (EC P-256: a few milliseconds each),
// in a temporary directory that is removed at once: no key is ever committed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  cert: string;
  key: string;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr}`);
}

/**
 * A certificate for `hostnames` (subject alternative names; the first is also its common name),
 * self-signed, or issued by `issuer` when given. `ca` makes one that may issue others.
 */
export function makeCertificate(opts: { hostnames: string[]; days?: number; issuer?: TestCertificate; ca?: boolean; subject?: string }): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "ouro-cert-"));
  try {
    const subject = opts.subject ?? `/O=Ouro Test/CN=${opts.hostnames[0] ?? "nobody"}`;
    const extensions = [
      ...(opts.hostnames.length ? [`subjectAltName=${opts.hostnames.map((h) => `DNS:${h}`).join(",")}`] : []),
      opts.ca ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=CA:FALSE",
    ];
    const days = String(opts.days ?? 30);
    const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem"];
    if (!opts.issuer) {
      openssl(dir, ["req", "-x509", ...newKey, "-out", "cert.pem", "-days", days, "-subj", subject, ...extensions.flatMap((e) => ["-addext", e])]);
    } else {
      writeFileSync(join(dir, "ca.pem"), opts.issuer.cert);
      writeFileSync(join(dir, "ca.key"), opts.issuer.key);
      writeFileSync(join(dir, "ext.cnf"), `${extensions.join("\n")}\n`);
      openssl(dir, ["req", "-new", ...newKey, "-out", "req.pem", "-subj", subject]);
      openssl(dir, ["x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem", "-days", days, "-extfile", "ext.cnf"]);
    }
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same key, encrypted with a passphrase (what certs:add must refuse with a way out). */
export function encryptedKey(key: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ouro-cert-"));
  try {
    writeFileSync(join(dir, "key.pem"), key);
    openssl(dir, ["pkey", "-in", "key.pem", "-aes256", "-passout", "pass:secret", "-out", "enc.pem"]);
    return readFileSync(join(dir, "enc.pem"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
