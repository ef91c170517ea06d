// A TLS certificate and its private key as a user uploads them (PEM text), parsed where they enter
// the API: a chain that does not parse, is out of order or has expired, and a key that is
// encrypted or not the certificate's, are refused with what to fix. What is kept is written back
// from the parsed values, so the router reads clean PEM. The key never appears in a message.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { rootCertificates } from "node:tls";
import type { SniEndpointUpload, SslCertResource } from "../lib/domains-contract.ts";
import { invalidParams } from "../lib/errors.ts";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const MAX_CHAIN = 10;

export interface ParsedCertificate {
  /** PEM: the server's certificate, then each issuer in turn. */
  chain: string;
  /** PEM, PKCS #8. */
  key: string;
  /** Its DNS names (subject alternative names; the common name when it has none), lower case. */
  hostnames: string[];
  expiresAt: Date;
}

const blocksOf = (pem: string) => [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));
const ordinal = (i: number) => (i === 0 ? "the certificate" : `certificate #${i + 1} of the chain`);
const reason = (error: unknown) => (error as Error).message.replace(/^error:[0-9A-F]+:/i, "");

function parseChain(pem: string, now: Date): X509Certificate[] {
  const blocks = blocksOf(pem);
  if (blocks.some((b) => b.label.includes("PRIVATE KEY"))) {
    throw invalidParams("certificate_chain holds a private key: the key goes in private_key (were the two files swapped?).");
  }
  const certs = blocks.filter((b) => b.label === "CERTIFICATE" || b.label === "TRUSTED CERTIFICATE");
  if (certs.length === 0) {
    throw invalidParams(
      "certificate_chain has no PEM certificate: give it in PEM form, beginning with -----BEGIN CERTIFICATE----- " +
        "(openssl x509 -inform der -in cert.der -out cert.pem converts a DER file).",
    );
  }
  if (certs.length > MAX_CHAIN) throw invalidParams(`certificate_chain has ${certs.length} certificates; at most ${MAX_CHAIN}.`);
  const chain = certs.map((block, i) => {
    try {
      return new X509Certificate(block.text);
    } catch (error) {
      throw invalidParams(`${ordinal(i)} in certificate_chain is malformed (${reason(error)}): give the PEM file as your certificate authority issued it.`);
    }
  });
  chain.forEach((cert, i) => {
    const expires = new Date(cert.validTo);
    if (expires <= now) throw invalidParams(`${ordinal(i)} (${subjectOf(cert)}) expired on ${expires.toISOString()}: add a renewed one.`);
    const issuer = chain[i + 1];
    if (issuer && !(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) {
      throw invalidParams(
        `certificate #${i + 2} of the chain (${subjectOf(issuer)}) did not issue ${ordinal(i)} (${subjectOf(cert)}): ` +
          "put the server's certificate first, then each issuer in turn.",
      );
    }
  });
  return chain;
}

function parseKey(pem: string): KeyObject {
  const blocks = blocksOf(pem);
  if (blocks.some((b) => b.label === "ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    throw invalidParams("private_key is encrypted with a passphrase: give it unencrypted (openssl pkey -in key.pem -out key.plain.pem).");
  }
  if (blocks.length > 0 && blocks.every((b) => b.label.includes("CERTIFICATE"))) {
    throw invalidParams("private_key holds a certificate, not a key (were the two files swapped?).");
  }
  const key = blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
  if (!key) throw invalidParams("private_key has no PEM private key: give it in PEM form, beginning with -----BEGIN PRIVATE KEY-----.");
  try {
    return createPrivateKey(key.text);
  } catch {
    // Not the parser's message: it may quote part of the key.
    throw invalidParams("private_key does not parse as a PEM private key: give the key file as it was generated.");
  }
}

/** The DNS names a certificate covers: its subject alternative names, or its common name without any. */
export function certificateHostnames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((entry) => entry.startsWith("DNS:"))
    .map((entry) => entry.slice(4).replace(/^"|"$/g, ""));
  const names = sans.length ? sans : [...cert.subject.matchAll(/^CN=(.+)$/gm)].map((m) => m[1]!);
  return [...new Set(names.map((name) => name.toLowerCase().replace(/\.$/, "")))];
}

export function parseCertificateUpload(upload: SniEndpointUpload, now: Date): ParsedCertificate {
  const chain = parseChain(upload.certificate_chain, now);
  const key = parseKey(upload.private_key);
  const leaf = chain[0]!;
  if (key.asymmetricKeyType !== leaf.publicKey.asymmetricKeyType || !leaf.checkPrivateKey(key)) {
    throw invalidParams(`private_key does not match the certificate (${subjectOf(leaf)}): give the key the certificate was issued for.`);
  }
  const hostnames = certificateHostnames(leaf);
  if (hostnames.length === 0) throw invalidParams("the certificate names no DNS hostname (no subject alternative name, no common name).");
  return {
    chain: chain.map((cert) => cert.toString()).join(""),
    key: key.export({ format: "pem", type: "pkcs8" }).toString(),
    hostnames,
    expiresAt: new Date(leaf.validTo),
  };
}

/** `C=US\nO=Example\nCN=www.example.com` → `/C=US/O=Example/CN=www.example.com`, as Heroku writes it. */
const slashed = (name: string) => name.split("\n").filter(Boolean).map((part) => `/${part}`).join("");
const subjectOf = (cert: X509Certificate) => slashed(cert.subject);

let roots: X509Certificate[] | undefined;

/** Whether `chain` leads to one of Node's bundled root authorities. */
function caSigned(chain: X509Certificate[]): boolean {
  roots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  let current = chain[0]!;
  for (let step = 0; step <= chain.length; step++) {
    if (roots.some((root) => root.fingerprint256 === current.fingerprint256 || (current.checkIssued(root) && current.verify(root.publicKey)))) return true;
    const next = chain.find((cert) => cert !== current && current.checkIssued(cert) && current.verify(cert.publicKey));
    if (!next) return false;
    current = next;
  }
  return false;
}

/** Heroku's `ssl_cert` for a stored chain (the API parsed it before storing it). */
export function describeCertificate(id: string, chainPem: string): SslCertResource {
  const chain = blocksOf(chainPem).map((block) => new X509Certificate(block.text));
  const leaf = chain[0]!;
  return {
    id,
    acm: false,
    "ca_signed?": caSigned(chain),
    "self_signed?": leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey),
    cert_domains: certificateHostnames(leaf),
    starts_at: new Date(leaf.validFrom).toISOString(),
    expires_at: new Date(leaf.validTo).toISOString(),
    issuer: slashed(leaf.issuer),
    subject: subjectOf(leaf),
  };
}
