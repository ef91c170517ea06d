// HTTPS through the in-process router: the certificate chosen by SNI from the table (exact
// hostname, then wildcard), the self-signed `*.<domain>` default for any other name or none,
// a certificate change seen at the next reload, and `X-Forwarded-Proto: https` to the dyno.
// Certificates are made with the OS's openssl, as bootstrap makes the default one.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TlsCertificate } from "../../platform/lib/route-contract.ts";
import { ensureSelfSignedCert } from "../../platform/lib/self-signed-cert.ts";
import { defaultCertFile, ensureDefaultCertificate } from "../../platform/router/default-cert.ts";
import { type Harness, seenBy, startRouter } from "./harness.ts";

const TLS_PORT = 8443;
/** A domain of two labels: clients refuse a wildcard right under a top-level name (`*.localhost`). */
const DOMAIN = "ouro.test";

describe("HTTPS by SNI (in-process router)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-router-tls-"));
  let r: Harness;
  let defaultPem = "";
  const made = (name: string, hostnames: string[]) => {
    const pair = ensureSelfSignedCert({ dir: join(dataDir, name), subject: `/CN=${hostnames[0]}`, altNames: hostnames.map((h) => `DNS:${h}`) });
    return { pair, cert: (app: string): TlsCertificate => ({ app, certificate: pair.cert, key: pair.key, hostnames }) };
  };

  /** The certificate a TLS handshake with `servername` (none: no SNI) is answered with. */
  function served(servername?: string): Promise<X509Certificate> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port: r.port(), ...(servername ? { servername } : {}), rejectUnauthorized: false }, () => {
        const raw = socket.getPeerX509Certificate();
        socket.destroy();
        raw ? resolve(raw) : reject(new Error("no certificate"));
      });
      socket.on("error", reject);
    });
  }

  /** A request over HTTPS to `host`, verified against `ca` for that name. */
  function get(host: string, ca: string) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port: r.port(), servername: host, headers: { host }, ca, agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  beforeAll(async () => {
    const fallback = ensureDefaultCertificate(dataDir, DOMAIN);
    defaultPem = readFileSync(defaultCertFile(dataDir, DOMAIN), "utf8");
    r = await startRouter({ tls: fallback, port: TLS_PORT, domain: DOMAIN });
  });
  afterEach(() => r.closeDynos());
  afterAll(async () => {
    await r.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("makes the default certificate once per domain, for *.<domain> and <domain>", () => {
    const again = ensureDefaultCertificate(dataDir, DOMAIN);
    expect(readFileSync(defaultCertFile(dataDir, DOMAIN), "utf8")).toBe(defaultPem);
    expect(again.cert).toBe(defaultPem);
    expect(new X509Certificate(defaultPem).subjectAltName).toBe(`DNS:*.${DOMAIN}, DNS:${DOMAIN}`);
    expect(new X509Certificate(ensureDefaultCertificate(dataDir, "localhost").cert).subjectAltName).toBe("DNS:*.localhost, DNS:localhost");
  });

  it("serves an app's certificate by SNI, exact or wildcard, and the request reaches the app with X-Forwarded-Proto https", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const exact = made("exact", ["www.example.test"]);
    const wild = made("wild", ["*.shop.test"]);
    await r.redis.hset(r.keys.certs, "exact", JSON.stringify(exact.cert(name)), "wild", JSON.stringify(wild.cert(name)));
    await r.redis.hset(r.keys.domains, "www.example.test", name, "*.shop.test", name);
    await r.table.load(r.redis);

    expect((await served("www.example.test")).fingerprint256).toBe(exact.pair.fingerprint);
    expect((await served("a.shop.test")).fingerprint256).toBe(wild.pair.fingerprint);
    const res = await get("www.example.test", exact.pair.cert);
    expect(res.status).toBe(200);
    expect(seenBy(res).headers).toMatchObject({ "x-forwarded-proto": "https", "x-forwarded-port": String(TLS_PORT), host: "www.example.test" });
    expect((await get("a.shop.test", wild.pair.cert)).status).toBe(200);
  });

  it("serves the default certificate for <app>.<domain>, for a name no certificate covers, and without SNI", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const fingerprint = new X509Certificate(defaultPem).fingerprint256;
    expect((await served(`${name}.${DOMAIN}`)).fingerprint256).toBe(fingerprint);
    expect((await served("other.example.test")).fingerprint256).toBe(fingerprint);
    expect((await served()).fingerprint256).toBe(fingerprint);
    // A client that trusts the default certificate verifies it for any app of the domain.
    expect((await get(`${name}.${DOMAIN}`, defaultPem)).status).toBe(200);
  });

  it("falls back to the default for a certificate whose key does not match, and follows a replaced one", async () => {
    const one = made("one", ["swap.example.test"]);
    const two = made("two", ["swap.example.test"]);
    await r.redis.hset(r.keys.certs, "swap", JSON.stringify({ ...one.cert("any"), key: two.pair.key }));
    await r.table.load(r.redis);
    expect((await served("swap.example.test")).fingerprint256).toBe(new X509Certificate(defaultPem).fingerprint256);
    await r.redis.hset(r.keys.certs, "swap", JSON.stringify(two.cert("any")));
    await r.table.load(r.redis);
    expect((await served("swap.example.test")).fingerprint256).toBe(two.pair.fingerprint);
  });
});
