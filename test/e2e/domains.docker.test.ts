// Custom domains, certificates and maintenance mode end to end, as a user tries them: the CLI
// against the running platform, then requests to the router with the custom Host header, and
// HTTPS with the app's own certificate chosen by SNI (made by openssl for this run).
import { mkdtempSync, writeFileSync } from "node:fs";
import https from "node:https";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../support/certificates.ts";
import { appWithCheckout, eventually, git, ouro, removeDir, routerPort, viaHost } from "../support/platform.ts";

const routerTlsPort = Number(process.env.OURO_ROUTER_TLS_PORT ?? 8443);
const fixture = appWithCheckout("domains", "static-site");
const hostname = `www.${fixture.name}.example.com`;

/** GET over HTTPS with `servername` for SNI, trusting only `ca`; answers the certificate the router showed. */
function getTls(servername: string, ca: string): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: "127.0.0.1", port: routerTlsPort, servername, path: "/", headers: { Host: servername }, ca, agent: false },
      (res) => {
        const fingerprint = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().fingerprint256;
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, fingerprint }));
      },
    );
    req.on("error", reject);
  });
}

describe("custom domains, certificates and maintenance through the router", () => {
  let certDir = "";
  beforeAll(() => {
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
    certDir = mkdtempSync(join(tmpdir(), "ouro-e2e-certs-"));
  }, 300_000);
  afterAll(() => removeDir(certDir));

  it("routes a custom domain to the app once added, and no longer once removed", async () => {
    expect((await viaHost(hostname)).status).toBe(404);
    const added = ouro(["domains:add", hostname, "-a", fixture.name]);
    expect(added.code, added.stderr).toBe(0);
    await eventually("the custom domain to route", async () => ((await viaHost(hostname)).status === 200 ? true : undefined), 5_000);
    // Any case, any port in the Host header: the same name.
    expect((await viaHost(`${hostname.toUpperCase()}:${routerPort}`)).status).toBe(200);
    expect(ouro(["domains:remove", hostname, "-a", fixture.name]).code).toBe(0);
    await eventually("the removed domain to stop routing", async () => ((await viaHost(hostname)).status === 404 ? true : undefined), 5_000);
  }, 60_000);

  it("serves the app's certificate by SNI for its custom domain", async () => {
    expect(ouro(["domains:add", hostname, "-a", fixture.name]).code).toBe(0);
    const cert = makeCertificate({ hostnames: [hostname] });
    writeFileSync(join(certDir, "site.crt"), cert.cert);
    writeFileSync(join(certDir, "site.key"), cert.key);
    const added = ouro(["certs:add", join(certDir, "site.crt"), join(certDir, "site.key"), "-a", fixture.name]);
    expect(added.code, added.stderr).toBe(0);
    const expected = new X509Certificate(cert.cert).fingerprint256;
    const answer = await eventually("the router to serve the certificate", async () => {
      const res = await getTls(hostname, cert.cert).catch(() => undefined);
      return res?.fingerprint === expected ? res : undefined;
    }, 5_000);
    expect(answer.status).toBe(200);
  }, 60_000);

  it("answers 503 with a maintenance page while maintenance is on", async () => {
    expect(ouro(["maintenance:on", "-a", fixture.name]).code).toBe(0);
    const page = await eventually("the maintenance page", async () => {
      const res = await viaHost(`${fixture.name}.localhost`);
      return res.status === 503 ? res : undefined;
    }, 5_000);
    expect(page.body.toLowerCase()).toContain("maintenance");
    expect((await viaHost(hostname)).status).toBe(503);
    expect(ouro(["maintenance:off", "-a", fixture.name]).code).toBe(0);
    await eventually("the app again", async () => ((await viaHost(`${fixture.name}.localhost`)).status === 200 ? true : undefined), 5_000);
  }, 60_000);
});
