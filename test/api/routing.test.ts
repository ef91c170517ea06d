// What the API tells the router (platform/lib/route-contract.ts), read back from the real Redis
// under the test's own namespace: each change rewrites the app's entries and announces them on
// ROUTES_CHANNEL, deleting the app removes them, and a start rewrites every key from the database.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoutingPublisher } from "../../platform/api/index.ts";
import { type RouteKeys, routeKeys } from "../../platform/router/index.ts";
import { type AppRow, createApiKey, createApp, ensureUser } from "../../platform/db/index.ts";
import { type TlsCertificate } from "../../platform/lib/route-contract.ts";
import type { DomainResource, SniEndpointResource } from "../../platform/lib/domains-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { makeCertificate } from "../support/certificates.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("publishing routes to the router", () => {
  let api: InProcessApi;
  let redis: Redis;
  let subscriber: Redis;
  let keys: RouteKeys;
  const announced: string[] = [];

  const call = <T = DomainResource & { message: string }>(method: string, path: string, body?: unknown, key = api.key) =>
    jsonRequest<T>({ base: api.url, key }, method, path, body);

  /** Every route-contract key as the router would read it, certificates parsed. */
  async function published() {
    const [domains, certs, maintenance, internal] = await Promise.all([
      redis.hgetall(keys.domains),
      redis.hgetall(keys.certs),
      redis.smembers(keys.maintenance),
      redis.smembers(keys.internal),
    ]);
    const parsed = Object.fromEntries(Object.entries(certs).map(([id, json]) => [id, TlsCertificateOf(json)]));
    return { domains, certs: parsed, maintenance: maintenance.sort(), internal: internal.sort() };
  }
  const TlsCertificateOf = (json: string): TlsCertificate => JSON.parse(json) as TlsCertificate;

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_routing_test" });
    keys = routeKeys(api.deps.routeNamespace);
    redis = api.deps.redis;
    subscriber = redis.duplicate();
    subscriber.on("message", (_channel: string, message: string) => void announced.push(message));
    await subscriber.subscribe(keys.routesChannel);
  });
  afterAll(async () => {
    subscriber?.disconnect();
    await api?.close();
  });

  it("writes a domain, a certificate with the domains it serves, and maintenance; announces each", async () => {
    const app = await api.createApp(uniqueName("routed"));
    const cert = makeCertificate({ hostnames: ["*.routed.example.com"] });
    const endpoint = (await call<SniEndpointResource>("POST", `/apps/${app.name}/sni-endpoints`, { certificate_chain: cert.cert, private_key: cert.key })).body;
    expect((await published()).certs[endpoint.id]).toMatchObject({ app: app.name, hostnames: [] });

    await call("POST", `/apps/${app.name}/domains`, { hostname: "www.routed.example.com" });
    await call("POST", `/apps/${app.name}/domains`, { hostname: "*.routed.example.com" });
    await call("POST", `/apps/${app.name}/domains`, { hostname: "routed.example.com" });
    await call("PATCH", `/apps/${app.name}`, { maintenance: true });
    const now = await published();
    expect(now.domains).toEqual({ "www.routed.example.com": app.name, "*.routed.example.com": app.name, "routed.example.com": app.name });
    const entry = now.certs[endpoint.id]!;
    // The apex is not covered by the wildcard: it is served with the platform's default.
    expect(entry.hostnames).toEqual(["*.routed.example.com", "www.routed.example.com"]);
    expect(entry.app).toBe(app.name);
    expect(entry.certificate).toBe(cert.cert);
    // The key as PKCS #8 PEM, the same key: what the router hands to tls.createSecureContext.
    expect(entry.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(now.maintenance).toContain(app.name);
    await expect.poll(() => announced.filter((a) => a === app.name).length).toBe(5);

    await call("DELETE", `/apps/${app.name}/domains/www.routed.example.com`);
    await call("PATCH", `/apps/${app.name}`, { maintenance: false });
    const after = await published();
    expect(after.domains).toEqual({ "*.routed.example.com": app.name, "routed.example.com": app.name });
    expect(after.certs[endpoint.id]!.hostnames).toEqual(["*.routed.example.com"]);
    expect(after.maintenance).not.toContain(app.name);
    await call("DELETE", `/apps/${app.name}/sni-endpoints/${endpoint.id}`);
    expect((await published()).certs[endpoint.id]).toBeUndefined();
  });

  it("never lets one app's certificate answer for another app's hostname", async () => {
    const owner = await api.createApp(uniqueName("owner"));
    const squatter = await api.createApp(uniqueName("squatter"));
    await call("POST", `/apps/${owner.name}/domains`, { hostname: "pay.example.org" });
    const cert = makeCertificate({ hostnames: ["pay.example.org"] });
    const theirs = (await call<SniEndpointResource>("POST", `/apps/${squatter.name}/sni-endpoints`, { certificate_chain: cert.cert, private_key: cert.key })).body;
    expect(theirs.domains).toEqual([]);
    expect((await published()).certs[theirs.id]).toMatchObject({ app: squatter.name, hostnames: [] });
  });

  it("removes a deleted app's entries, and only its own", async () => {
    const gone = await api.createApp(uniqueName("gone"));
    const kept = await api.createApp(uniqueName("kept"));
    await call("POST", `/apps/${gone.name}/domains`, { hostname: "gone.example.net" });
    await call("POST", `/apps/${kept.name}/domains`, { hostname: "kept.example.net" });
    const cert = makeCertificate({ hostnames: ["gone.example.net"] });
    const endpoint = (await call<SniEndpointResource>("POST", `/apps/${gone.name}/sni-endpoints`, { certificate_chain: cert.cert, private_key: cert.key })).body;
    await call("PATCH", `/apps/${gone.name}`, { maintenance: true });
    expect((await published()).certs[endpoint.id]!.hostnames).toEqual(["gone.example.net"]);

    expect((await call("DELETE", `/apps/${gone.name}`)).status).toBe(200);
    const after = await published();
    expect(after.domains["gone.example.net"]).toBeUndefined();
    expect(after.domains["kept.example.net"]).toBe(kept.name);
    expect(after.certs[endpoint.id]).toBeUndefined();
    expect(after.maintenance).not.toContain(gone.name);
  });

  it("rewrites every key whole at start, from the database: drift is undone", async () => {
    const app = await api.createApp(uniqueName("restart"));
    await call("POST", `/apps/${app.name}/domains`, { hostname: "restart.example.com" });
    await call("PATCH", `/apps/${app.name}`, { maintenance: true });
    const before = await published();

    // What a lost write or a stale entry would leave behind.
    await redis.hset(keys.domains, "stale.example.com", "no-such-app");
    await redis.hdel(keys.domains, "restart.example.com");
    await redis.hset(keys.certs, "00000000-0000-4000-8000-000000000000", JSON.stringify({ app: "no-such-app", certificate: "", key: "", hostnames: [] }));
    await redis.sadd(keys.maintenance, "no-such-app");
    await redis.srem(keys.internal, "postgres");

    const start = announced.length;
    await createRoutingPublisher({ db: api.db, redis, namespace: api.deps.routeNamespace }).resetAll();
    const after = await published();
    expect(after).toEqual({ ...before, internal: ["postgres", "redis"] });
    expect(after.domains["restart.example.com"]).toBe(app.name);
    await expect.poll(() => announced.length).toBe(start + 1);
  });

  it("keeps a test's keys apart from the live platform's", async () => {
    expect(api.deps.routeNamespace).toMatch(/^test-[0-9a-f]{8}:$/);
    expect(keys.domains).toBe(`${api.deps.routeNamespace}ouro:domains`);
    expect(keys.routesChannel).toBe(`${api.deps.routeNamespace}ouro:routes:changed`);
  });

  it("serializes rewrites of one app: concurrent changes all end up published", async () => {
    const app: AppRow = await createApp(api.db, { name: uniqueName("busy"), ownerId: api.user.id });
    const hostnames = Array.from({ length: 8 }, (_, i) => `h${i}.busy.example.com`);
    await Promise.all(hostnames.map((hostname) => call("POST", `/apps/${app.name}/domains`, { hostname })));
    await Promise.all(hostnames.slice(0, 4).map((hostname) => call("DELETE", `/apps/${app.name}/domains/${hostname}`)));
    const mine = Object.entries((await published()).domains).filter(([, owner]) => owner === app.name).map(([h]) => h).sort();
    expect(mine).toEqual(hostnames.slice(4).sort());
    // A stranger's key changes nothing here either.
    const stranger = await createApiKey(api.db, (await ensureUser(api.db, "routing-stranger@example.com")).id);
    expect((await call("POST", `/apps/${app.name}/domains`, { hostname: "x.busy.example.com" }, stranger)).status).toBe(404);
  });
});
