// TLS certificates (Heroku's SNI endpoints) on the real API in-process: Heroku's shape, which of
// the app's domains each serves, what is refused and why, and the private key never answered,
// logged or audited. Certificates are made by openssl for each run (test/support/certificates.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import { type AppRow, type User, createApiKey, ensureUser } from "../../platform/db/index.ts";
import type { DomainResource, SniEndpointResource } from "../../platform/lib/domains-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { type TestCertificate, encryptedKey, makeCertificate } from "../support/certificates.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

type Answer = SniEndpointResource & { id: string; message: string };

/** The key's base64 body, which must appear in no answer. */
const keyBody = (key: string) => key.split("\n").filter((line) => line && !line.startsWith("-----")).join("");

describe("SNI endpoints", () => {
  let api: InProcessApi;
  let app: AppRow;
  let stranger: User;
  let strangerKey: string;
  let shop: TestCertificate;
  let answers = "";

  const call = async <T = Answer>(method: string, path: string, body?: unknown, key = api.key, base = api.url) => {
    const res = await jsonRequest<T>({ base, key }, method, path, body);
    answers += JSON.stringify(res.body);
    return res;
  };
  const upload = (cert: TestCertificate) => ({ certificate_chain: cert.cert, private_key: cert.key });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_certs_test" });
    app = await api.createApp(uniqueName("certs"));
    stranger = await ensureUser(api.db, "certs-stranger@example.com");
    strangerKey = await createApiKey(api.db, stranger.id);
    shop = makeCertificate({ hostnames: ["www.shop.example.com", "shop.example.com"] });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("adds a certificate in Heroku's shape, without its key", async () => {
    const added = await call("POST", `/apps/${app.name}/sni-endpoints`, upload(shop));
    expect(added.status, added.body.message).toBe(201);
    expect(added.body).toEqual({
      id: expect.any(String),
      name: expect.stringMatching(/^[a-z]+-\d{5}$/),
      display_name: null,
      app: { id: app.id, name: app.name },
      certificate_chain: shop.cert,
      domains: [],
      ssl_cert: {
        id: added.body.id,
        acm: false,
        "ca_signed?": false,
        "self_signed?": true,
        cert_domains: ["www.shop.example.com", "shop.example.com"],
        starts_at: expect.any(String),
        expires_at: expect.any(String),
        issuer: "/O=Ouro Test/CN=www.shop.example.com",
        subject: "/O=Ouro Test/CN=www.shop.example.com",
      },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const days = (Date.parse(added.body.ssl_cert.expires_at) - Date.parse(added.body.ssl_cert.starts_at)) / 86_400_000;
    expect(days).toBe(30);
    const listed = await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`);
    expect(listed.body).toEqual([added.body]);
    expect((await call("GET", `/apps/${app.name}/sni-endpoints/${added.body.name}`)).body).toEqual(added.body);
    expect((await call("GET", `/apps/${app.name}/sni-endpoints/${added.body.id}`)).body).toEqual(added.body);
  });

  it("serves the app's domains it covers, and says so on both resources", async () => {
    const [endpoint] = (await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body;
    const www = (await call<DomainResource>("POST", `/apps/${app.name}/domains`, { hostname: "www.shop.example.com" })).body;
    const other = (await call<DomainResource>("POST", `/apps/${app.name}/domains`, { hostname: "blog.example.org" })).body;
    expect(www.sni_endpoint).toEqual({ id: endpoint!.id, name: endpoint!.name });
    expect(other.sni_endpoint).toBeNull();
    expect((await call("GET", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`)).body.domains).toEqual([www.id]);

    // domains:add --cert and certs:add's choice: only a certificate that covers the name.
    const refused = await call("PATCH", `/apps/${app.name}/domains/blog.example.org`, { sni_endpoint: endpoint!.name });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe(`The SSL certificate ${endpoint!.name} does not cover blog.example.org: it is for www.shop.example.com, shop.example.com.`);
    const chosen = await call<DomainResource>("PATCH", `/apps/${app.name}/domains/www.shop.example.com`, { sni_endpoint: endpoint!.id });
    expect(chosen.status).toBe(200);
    expect(chosen.body.sni_endpoint).toEqual({ id: endpoint!.id, name: endpoint!.name });
    const apex = await call<DomainResource>("POST", `/apps/${app.name}/domains`, { hostname: "shop.example.com", sni_endpoint: endpoint!.name });
    expect(apex.body.sni_endpoint?.name).toBe(endpoint!.name);
    const missing = await call("POST", `/apps/${app.name}/domains`, { hostname: "x.example.org", sni_endpoint: "no-such-cert" });
    expect(missing.body.message).toBe(`${app.name} has no SSL certificate no-such-cert (ouro certs -a ${app.name} lists them).`);
  });

  it("updates a certificate in place: same name, the renewed one's names", async () => {
    const [endpoint] = (await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body;
    const renewed = makeCertificate({ hostnames: ["www.shop.example.com"], days: 90 });
    const updated = await call("PATCH", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`, upload(renewed));
    expect(updated.status, updated.body.message).toBe(200);
    expect(updated.body).toMatchObject({ id: endpoint!.id, name: endpoint!.name, certificate_chain: renewed.cert });
    expect(updated.body.ssl_cert.cert_domains).toEqual(["www.shop.example.com"]);
    // The apex is no longer covered: no certificate serves it now.
    const apex = (await call<DomainResource>("GET", `/apps/${app.name}/domains/shop.example.com`)).body;
    expect(apex.sni_endpoint).toBeNull();
  });

  it("takes a chain issued by a certificate authority, server certificate first", async () => {
    const ca = makeCertificate({ hostnames: [], subject: "/O=Ouro Test CA/CN=Ouro Test Root", ca: true, days: 60 });
    const leaf = makeCertificate({ hostnames: ["*.chain.example.net"], issuer: ca });
    const added = await call("POST", `/apps/${app.name}/sni-endpoints`, { certificate_chain: leaf.cert + ca.cert, private_key: leaf.key });
    expect(added.status, added.body.message).toBe(201);
    expect(added.body.ssl_cert).toMatchObject({
      "ca_signed?": false, // a test authority, not one the machine trusts
      "self_signed?": false,
      cert_domains: ["*.chain.example.net"],
      issuer: "/O=Ouro Test CA/CN=Ouro Test Root",
      subject: "/O=Ouro Test/CN=*.chain.example.net",
    });
    const reversed = await call("POST", `/apps/${app.name}/sni-endpoints`, { certificate_chain: ca.cert + leaf.cert, private_key: leaf.key });
    expect(reversed.status).toBe(422);
    expect(reversed.body.message).toContain("put the server's certificate first, then each issuer in turn");
    expect((await call("DELETE", `/apps/${app.name}/sni-endpoints/${added.body.id}`)).status).toBe(200);
  });

  it("refuses what is not a usable certificate and key, saying what to fix", async () => {
    const otherKey = makeCertificate({ hostnames: ["other.example.org"] }).key;
    // Cut short: the PEM frame is whole, the certificate inside it is not.
    const pem = shop.cert.trim().split("\n");
    const garbled = [...pem.slice(0, 4), pem[pem.length - 1]!].join("\n");
    const cases: [unknown, string][] = [
      [{ certificate_chain: shop.cert, private_key: otherKey }, "private_key does not match the certificate (/O=Ouro Test/CN=www.shop.example.com): give the key the certificate was issued for."],
      [{ certificate_chain: "not a certificate", private_key: shop.key }, "certificate_chain has no PEM certificate"],
      [{ certificate_chain: garbled, private_key: shop.key }, "the certificate in certificate_chain is malformed"],
      [{ certificate_chain: shop.key, private_key: shop.cert }, "certificate_chain holds a private key: the key goes in private_key (were the two files swapped?)."],
      [{ certificate_chain: shop.cert, private_key: shop.cert }, "private_key holds a certificate, not a key (were the two files swapped?)."],
      [{ certificate_chain: shop.cert, private_key: encryptedKey(shop.key) }, "private_key is encrypted with a passphrase: give it unencrypted"],
      [{ certificate_chain: shop.cert, private_key: "-----BEGIN PRIVATE KEY-----\nnotbase64!\n-----END PRIVATE KEY-----" }, "private_key does not parse as a PEM private key"],
      [{ certificate_chain: shop.cert }, "private_key:"],
      [{ private_key: shop.key }, "certificate_chain:"],
    ];
    for (const [body, why] of cases) {
      const res = await call("POST", `/apps/${app.name}/sni-endpoints`, body);
      expect(`${why}: ${res.status}`).toBe(`${why}: 422`);
      expect(res.body.message).toContain(why);
    }
    const nameless = makeCertificate({ hostnames: [], subject: "/O=Ouro Test" });
    expect((await call("POST", `/apps/${app.name}/sni-endpoints`, upload(nameless))).body.message).toBe(
      "the certificate names no DNS hostname (no subject alternative name, no common name).",
    );
  });

  it("refuses an expired certificate", async () => {
    const later = createApi({ ...api.deps, clock: () => new Date(Date.now() + 40 * 86_400_000) }).listen(0, "127.0.0.1");
    await new Promise((resolve) => later.once("listening", resolve));
    try {
      const base = `http://127.0.0.1:${(later.address() as { port: number }).port}`;
      const res = await call("POST", `/apps/${app.name}/sni-endpoints`, upload(shop), api.key, base);
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(/^the certificate \(\/O=Ouro Test\/CN=www\.shop\.example\.com\) expired on \d{4}-\d\d-\d\dT[\d:.]+Z: add a renewed one\.$/);
    } finally {
      later.closeAllConnections();
      await new Promise((resolve) => later.close(resolve));
    }
  });

  it("answers a stranger 404 on every certificate route", async () => {
    const [endpoint] = (await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body;
    for (const [method, path, body] of [
      ["GET", `/apps/${app.name}/sni-endpoints`],
      ["POST", `/apps/${app.name}/sni-endpoints`, upload(shop)],
      ["GET", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`],
      ["PATCH", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`, upload(shop)],
      ["DELETE", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`],
    ] as const) {
      const res = await call(method, path, body, strangerKey);
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
    }
    expect((await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body.map((e) => e.id)).toEqual([endpoint!.id]);
  });

  it("removes a certificate: its domains fall back to the platform's; an unknown one is 404", async () => {
    const [endpoint] = (await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body;
    const removed = await call("DELETE", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: endpoint!.id, name: endpoint!.name });
    expect((await call<Answer[]>("GET", `/apps/${app.name}/sni-endpoints`)).body).toEqual([]);
    expect((await call<DomainResource>("GET", `/apps/${app.name}/domains/www.shop.example.com`)).body.sni_endpoint).toBeNull();
    const again = await call("DELETE", `/apps/${app.name}/sni-endpoints/${endpoint!.name}`);
    expect(again.status).toBe(404);
    expect(again.body.message).toBe(`Couldn't find that SSL certificate: ${endpoint!.name}.`);
  });

  it("never answered, logged or audited a private key", async () => {
    const entries = (await call<{ action: string; detail: Record<string, unknown> }[]>("GET", `/apps/${app.name}/audit?limit=100`)).body;
    expect(entries.map((e) => e.action).filter((a) => a.startsWith("cert."))).toEqual(["cert.remove", "cert.remove", "cert.add", "cert.update", "cert.add"]);
    expect(entries.find((e) => e.action === "cert.add")!.detail).toMatchObject({ cert_domains: ["*.chain.example.net"], expires_at: expect.any(String) });
    const everything = `${answers}${JSON.stringify(entries)}${api.logs.join("\n")}`;
    expect(everything).not.toContain("PRIVATE KEY");
    expect(everything).not.toContain(keyBody(shop.key));
  });
});
