// Custom domains and maintenance mode on the real API in-process (throwaway database, the
// platform's Redis under the test's own route namespace): Heroku's shapes, the hostname rule,
// a hostname another app holds, 404 to a stranger, and the audit entries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, type User, createApiKey, createApp, ensureUser } from "../../platform/db/index.ts";
import type { AppMaintenance, DomainResource } from "../../platform/lib/domains-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface ErrorBody {
  id: string;
  message: string;
}

describe("domains", () => {
  let api: InProcessApi;
  let app: AppRow;
  let stranger: User;
  let strangerKey: string;
  let adminKey: string;

  const call = <T = DomainResource & ErrorBody>(method: string, path: string, body?: unknown, key = api.key) =>
    jsonRequest<T>({ base: api.url, key }, method, path, body);
  const domains = async (name = app.name) => (await call<DomainResource[]>("GET", `/apps/${name}/domains`)).body;

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_domains_test" });
    app = await api.createApp(uniqueName("domains"));
    stranger = await ensureUser(api.db, "domains-stranger@example.com");
    strangerKey = await createApiKey(api.db, stranger.id);
    adminKey = await createApiKey(api.db, (await ensureUser(api.db, "domains-admin@example.com", { admin: true })).id);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("lists the default domain, as Heroku's kind heroku", async () => {
    const fresh = await api.createApp(uniqueName("fresh"));
    const [only, ...rest] = await domains(fresh.name);
    expect(rest).toEqual([]);
    expect(only).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      app: { id: fresh.id, name: fresh.name },
      hostname: `${fresh.name}.${api.deps.config.domain}`,
      kind: "heroku",
      cname: null,
      status: "none",
      sni_endpoint: null,
      acm_status: null,
      acm_status_reason: null,
      created_at: fresh.created_at.toISOString(),
      updated_at: fresh.created_at.toISOString(),
    });
    // The same by its id and by its hostname; it cannot be removed.
    expect((await call("GET", `/apps/${fresh.name}/domains/${only!.id}`)).body).toEqual(only);
    expect((await call("GET", `/apps/${fresh.name}/domains/${only!.hostname}`)).body).toEqual(only);
    const remove = await call("DELETE", `/apps/${fresh.name}/domains/${only!.hostname}`);
    expect(remove.status).toBe(422);
    expect(remove.body.message).toBe(`${only!.hostname} is ${fresh.name}'s default domain: it cannot be removed.`);
  });

  it("adds a custom domain in Heroku's shape, lower case, and finds it by hostname or id", async () => {
    const added = await call("POST", `/apps/${app.name}/domains`, { hostname: "WWW.Shop.Example.com", sni_endpoint: null });
    expect(added.status, added.body.message).toBe(201);
    expect(added.body).toEqual({
      id: expect.any(String),
      app: { id: app.id, name: app.name },
      hostname: "www.shop.example.com",
      kind: "custom",
      cname: `${app.name}.${api.deps.config.domain}`,
      status: "none",
      sni_endpoint: null,
      acm_status: null,
      acm_status_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await call("GET", `/apps/${app.name}/domains/www.shop.example.com`)).body).toEqual(added.body);
    expect((await call("GET", `/apps/${app.name}/domains/WWW.SHOP.example.com`)).body).toEqual(added.body);
    expect((await call("GET", `/apps/${app.name}/domains/${added.body.id}`)).body).toEqual(added.body);
    const wildcard = await call("POST", `/apps/${app.name}/domains`, { hostname: "*.shop.example.com" });
    expect(wildcard.status).toBe(201);
    // By hostname, the default one among them (Range: hostname, or id).
    expect((await domains()).map((d) => `${d.kind}:${d.hostname}`)).toEqual([
      "custom:*.shop.example.com",
      `heroku:${app.name}.${api.deps.config.domain}`,
      "custom:www.shop.example.com",
    ]);
  });

  it("refuses a hostname that is not one, with what is wrong", async () => {
    const cases: [unknown, string][] = [
      [{ hostname: "shop.example.com:8443" }, "without a scheme, port or path"],
      [{ hostname: "192.0.2.10" }, "it is an IP address"],
      [{ hostname: `other.${api.deps.config.domain}` }, "are the platform's own"],
      [{ hostname: "*.com" }, "a wildcard covers names under a domain"],
      [{ hostname: "bad_label.example.com" }, "may have only letters, digits and inner dashes"],
      [{}, "hostname:"],
      [{ hostname: 42 }, "hostname:"],
    ];
    for (const [body, why] of cases) {
      const res = await call("POST", `/apps/${app.name}/domains`, body);
      expect(`${JSON.stringify(body)} ${res.status}`).toBe(`${JSON.stringify(body)} 422`);
      expect(res.body.id).toBe("invalid_params");
      expect(res.body.message).toContain(why);
    }
  });

  it("refuses a hostname another app has, naming that app only to who may see it", async () => {
    const theirs = await createApp(api.db, { name: uniqueName("theirs"), ownerId: stranger.id });
    expect((await call("POST", `/apps/${theirs.name}/domains`, { hostname: "taken.example.org" }, strangerKey)).status).toBe(201);

    const mine = await call("POST", `/apps/${app.name}/domains`, { hostname: "Taken.Example.org" });
    expect(mine.status).toBe(422);
    expect(mine.body).toEqual({ id: "invalid_params", message: "taken.example.org is already in use by another app." });
    const admin = await call("POST", `/apps/${app.name}/domains`, { hostname: "taken.example.org" }, adminKey);
    expect(admin.body.message).toBe(`taken.example.org is already a domain of ${theirs.name}: remove it there first (ouro domains:remove taken.example.org -a ${theirs.name}).`);
    const again = await call("POST", `/apps/${theirs.name}/domains`, { hostname: "taken.example.org" }, strangerKey);
    expect(again.body.message).toBe(`taken.example.org is already a domain of ${theirs.name}.`);

    // Once they let it go, it is free.
    expect((await call("DELETE", `/apps/${theirs.name}/domains/taken.example.org`, undefined, strangerKey)).status).toBe(200);
    expect((await call("POST", `/apps/${app.name}/domains`, { hostname: "taken.example.org" })).status).toBe(201);
  });

  it("answers a stranger 404 on every domain route, and leaves the app's domains alone", async () => {
    const before = await domains();
    for (const [method, path, body] of [
      ["GET", `/apps/${app.name}/domains`],
      ["POST", `/apps/${app.name}/domains`, { hostname: "intruder.example.org" }],
      ["GET", `/apps/${app.name}/domains/www.shop.example.com`],
      ["PATCH", `/apps/${app.name}/domains/www.shop.example.com`, { sni_endpoint: null }],
      ["DELETE", `/apps/${app.name}/domains/www.shop.example.com`],
      ["PATCH", `/apps/${app.name}`, { maintenance: true }],
    ] as const) {
      const res = await call(method, path, body, strangerKey);
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
      expect(res.body.message).toBe(`Couldn't find that app: ${app.name}.`);
    }
    expect(await domains()).toEqual(before);
  });

  it("removes a custom domain, answering it as it was; an unknown one is 404", async () => {
    await call("POST", `/apps/${app.name}/domains`, { hostname: "gone.example.org" });
    const removed = await call("DELETE", `/apps/${app.name}/domains/gone.example.org`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ hostname: "gone.example.org", kind: "custom" });
    expect((await domains()).map((d) => d.hostname)).not.toContain("gone.example.org");
    const unknown = await call("DELETE", `/apps/${app.name}/domains/gone.example.org`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe("Couldn't find that domain: gone.example.org.");
    expect((await call("GET", `/apps/${app.name}/domains/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it("keeps the add-on providers off the public router: they take no domain", async () => {
    const system = await ensureUser(api.db, "domains-system@example.com");
    const provider = await createApp(api.db, { name: "redis", ownerId: system.id, system: true });
    const res = await call("POST", `/apps/${provider.name}/domains`, { hostname: "cache.example.org" }, adminKey);
    expect(res.status).toBe(403);
    expect(res.body.message).toContain("redis is internal");
  });

  it("puts an app in maintenance mode and takes it out, as the v3 app's maintenance", async () => {
    const get = async () => (await call<AppMaintenance>("GET", `/apps/${app.name}`)).body.maintenance;
    expect(await get()).toBe(false);
    const on = await call<AppMaintenance>("PATCH", `/apps/${app.name}`, { maintenance: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ name: app.name, maintenance: true });
    expect(await get()).toBe(true);
    expect((await call<AppMaintenance>("PATCH", `/apps/${app.name}`, { maintenance: false })).body.maintenance).toBe(false);
    expect(await get()).toBe(false);

    const rename = await call("PATCH", `/apps/${app.name}`, { name: "renamed" });
    expect(rename.status).toBe(422);
    expect(rename.body.message).toBe("Ouro changes only maintenance through PATCH /apps/:app, not name.");
    const notBoolean = await call("PATCH", `/apps/${app.name}`, { maintenance: "yes" });
    expect(notBoolean.status).toBe(422);
    expect(notBoolean.body.message).toContain("maintenance:");
  });

  it("audits each change with its hostname, in the change's transaction", async () => {
    const entries = (await call<{ action: string; detail: Record<string, unknown> }[]>("GET", `/apps/${app.name}/audit?limit=100`)).body;
    const mine = entries.map((e) => `${e.action} ${JSON.stringify(e.detail)}`).reverse();
    expect(mine).toEqual(
      expect.arrayContaining([
        'domain.add {"hostname":"www.shop.example.com"}',
        'domain.add {"hostname":"*.shop.example.com"}',
        'domain.remove {"hostname":"gone.example.org"}',
        'app.maintenance {"maintenance":true}',
        'app.maintenance {"maintenance":false}',
      ]),
    );
    // A refused change wrote nothing.
    expect(mine.filter((line) => line.includes("intruder") || line.includes("192.0.2.10"))).toEqual([]);
  });
});
