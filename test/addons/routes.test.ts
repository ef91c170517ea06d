// The kernel's add-on routes: the real API in-process against a database of the test's own
// (migrated like the platform's) and the real postgres provider. The kernel reaches a provider's
// web dynos directly, at the addresses the dyno manager publishes (ROUTES_KEY, in the test's
// own namespace): here the provider's own port.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresProvider } from "../../apps/postgres/index.ts";
import { createApiKey, createApp, type Db, ensureUser, getApp } from "../../platform/db/index.ts";
import { addonsPostgresAdmin, config as platformConfig, serve } from "./support.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { throwawayDatabase } from "../support/database.ts";
import { jsonRequest } from "../support/platform.ts";
import { publishRoutes } from "../../platform/dynos/routes.ts";

const secret = "test-provider-secret";

interface AddonBody {
  id: string;
  name: string;
  addon_service: { name: string };
  plan: { name: string };
  app: { name: string };
  config_vars: string[];
  state: string;
  message?: string;
}

describe("add-on routes", () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>> | undefined;
  let db: Db;
  let adminPool: pg.Pool;
  let provider: Awaited<ReturnType<typeof serve>>;
  let api: InProcessApi;
  let key: string;

  let url = "";
  /** The provider's web dynos, as the dyno manager publishes them (its own publishRoutes). */
  const publishDynos = (addresses: string[]) =>
    publishRoutes(api.deps.redis, "postgres", addresses.map((address, i) => ({ address, dyno: `web.${i + 1}` })), api.deps.routeNamespace);
  const call = <T = AddonBody>(method: string, path: string, body?: unknown, base = url) =>
    jsonRequest<T>({ base, key }, method, path, body);

  beforeAll(async () => {
    database = await throwawayDatabase("ouro_addons_test");
    db = database.db;
    const user = await ensureUser(db, "addons-test@ouro.local");
    key = await createApiKey(db, user.id);
    const system = await ensureUser(db, "system@ouro.local");
    const postgres = await createApp(db, { name: "postgres", ownerId: system.id, system: true });
    await db.query("UPDATE apps SET config = $2 WHERE id = $1", [postgres.id, { OURO_PROVIDER_SECRET: secret }]);
    await createApp(db, { name: "shop", ownerId: user.id });

    adminPool = await addonsPostgresAdmin();
    provider = await serve(createPostgresProvider({ admin: adminPool, server: { host: "127.0.0.1", port: platformConfig.addonsPostgresPort } }), secret);
    api = await inProcessApi({ db });
    url = api.url;
    await publishDynos([`127.0.0.1:${provider.port}`]);
  });

  afterAll(async () => {
    // Whatever a failed test left behind on the provider's side: only this test's add-ons, the
    // provider role serves the running platform's too.
    const left = database ? (await db.query<{ id: string }>("SELECT id FROM addons WHERE service = 'postgres'")).rows : [];
    const cleanup = createPostgresProvider({ admin: adminPool, server: { host: "127.0.0.1", port: platformConfig.addonsPostgresPort } });
    for (const { id } of left) await cleanup.deprovision(id);
    await api?.close();
    await provider?.close();
    await database?.drop();
    await adminPool?.end();
  });

  it("attaches a postgres add-on: config var, release, Heroku's shape", async () => {
    const created = await call("POST", "/apps/shop/addons", { plan: "heroku-postgresql:essential-0" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: expect.stringMatching(/^postgres-[a-z]+-\d{5}$/),
      addon_service: { name: "postgres" },
      plan: { name: "postgres:essential-0" },
      app: { name: "shop" },
      config_vars: ["DATABASE_URL"],
      state: "provisioned",
    });
    const config = await call<Record<string, string>>("GET", "/apps/shop/config-vars");
    const database = new pg.Client({ connectionString: config.body.DATABASE_URL });
    await database.connect();
    expect((await database.query("SELECT current_user AS who")).rows[0].who).toMatch(/^addon_[0-9a-f]{12}$/);
    await database.end();
    const releases = await call<{ description: string }[]>("GET", "/apps/shop/releases");
    expect(releases.body.at(-1)?.description).toBe("Attach DATABASE resource");
    expect(api.notified).toContain("shop");

    const list = await call<AddonBody[]>("GET", "/apps/shop/addons");
    expect(list.body.map((a) => a.name)).toEqual([created.body.name]);
    expect((await call("GET", `/apps/shop/addons/${created.body.id}`)).body.name).toBe(created.body.name);
  });

  it("gives a second database prefixed config vars, and detaches it by name", async () => {
    const before = (await call<Record<string, string>>("GET", "/apps/shop/config-vars")).body;
    const second = await call("POST", "/apps/shop/addons", { plan: "postgres" });
    expect(second.status).toBe(201);
    const prefixed = `${second.body.name.toUpperCase().replace(/-/g, "_")}_DATABASE_URL`;
    expect(second.body.config_vars).toEqual([prefixed]);
    const after = (await call<Record<string, string>>("GET", "/apps/shop/config-vars")).body;
    expect(after.DATABASE_URL).toBe(before.DATABASE_URL);

    const removed = await call("DELETE", `/apps/shop/addons/${second.body.name}`);
    expect(removed.status).toBe(200);
    const config = (await call<Record<string, string>>("GET", "/apps/shop/config-vars")).body;
    expect(config).toEqual(before);
    const releases = await call<{ description: string }[]>("GET", "/apps/shop/releases");
    expect(releases.body.at(-1)?.description).toBe(`Detach ${prefixed.replace(/_URL$/, "")} resource`);
    const database = new pg.Client({ connectionString: after[prefixed] });
    database.on("error", () => {});
    await expect(database.connect()).rejects.toThrow(/password authentication failed|does not exist/);
  });

  it("detaches the first database: the var is unset and its role can no longer log in", async () => {
    const [addon] = (await call<AddonBody[]>("GET", "/apps/shop/addons")).body;
    const url = (await call<Record<string, string>>("GET", "/apps/shop/config-vars")).body.DATABASE_URL;
    expect((await call("DELETE", `/apps/shop/addons/${addon!.id}`)).status).toBe(200);
    expect((await call<Record<string, string>>("GET", "/apps/shop/config-vars")).body).not.toHaveProperty("DATABASE_URL");
    expect((await call<AddonBody[]>("GET", "/apps/shop/addons")).body).toEqual([]);
    const database = new pg.Client({ connectionString: url });
    database.on("error", () => {});
    await expect(database.connect()).rejects.toThrow(/password authentication failed|does not exist/);
    expect((await call("DELETE", `/apps/shop/addons/${addon!.id}`)).status).toBe(404);
  });

  it("attaches and detaches through the release path of config:set: a release phase runs first", async () => {
    const owner = await ensureUser(db, "addons-test@ouro.local");
    const app = await createApp(db, { name: "phased", ownerId: owner.id });
    await api.recordDeploy(app, {}, { web: "serve", release: "migrate" });
    const created = await call("POST", "/apps/phased/addons", { plan: "postgres" });
    expect(created.status).toBe(201);
    // No dyno manager runs here, so the release phase stays pending: the release waits on it.
    const phases = async () =>
      (await db.query<{ version: number; status: string; run_type: string | null }>(
        `SELECT r.version, r.status, u.type AS run_type FROM releases r
         LEFT JOIN runs u ON u.app_id = r.app_id AND u.release_version = r.version
         WHERE r.app_id = $1 ORDER BY r.version`,
        [app.id],
      )).rows;
    await expect.poll(phases).toEqual([
      { version: 1, status: "succeeded", run_type: null },
      { version: 2, status: "pending", run_type: "release" },
    ]);
    // The config the dynos run is the current release's: it changes only once v2 passes its release phase.
    expect((await getApp(db, app.id)).config).not.toHaveProperty("DATABASE_URL");
    expect((await db.query("SELECT config FROM releases WHERE app_id = $1 AND version = 2", [app.id])).rows[0].config).toHaveProperty("DATABASE_URL");
    expect((await call("DELETE", `/apps/phased/addons/${created.body.id}`)).status).toBe(200);
    await expect.poll(phases).toContainEqual({ version: 3, status: "pending", run_type: "release" });
  });

  it("refuses an unknown plan with 422 naming the services", async () => {
    const res = await call("POST", "/apps/shop/addons", { plan: "mysql" });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("postgres | heroku-postgresql");
    expect(res.body.message).toContain("redis | heroku-redis");
  });

  it("answers 503 when the provider app is not deployed or not answering", async () => {
    const missing = await call("POST", "/apps/shop/addons", { plan: "redis" });
    expect(missing.status).toBe(503);
    expect(missing.body.message).toBe(
      "The redis add-on provider is unavailable: the provider app redis is not deployed (or has no OURO_PROVIDER_SECRET config var).",
    );

    await publishDynos(["127.0.0.1:1"]); // nothing listens on port 1
    try {
      const down = await call("POST", "/apps/shop/addons", { plan: "postgres" });
      expect(down.status).toBe(503);
      expect(down.body.message).toMatch(/^The postgres add-on provider is unavailable: no web dyno of postgres took the connection \(127\.0\.0\.1:1: /);
      await publishDynos([]);
      const none = await call("POST", "/apps/shop/addons", { plan: "postgres" });
      expect(none.body.message).toBe("The postgres add-on provider is unavailable: no web dyno of postgres is up (ouro ps -a postgres).");
    } finally {
      await publishDynos([`127.0.0.1:${provider.port}`]);
    }
    expect((await call<AddonBody[]>("GET", "/apps/shop/addons")).body).toEqual([]);
  });

  it("tries the provider's next web dyno when one refuses the connection", async () => {
    await publishDynos(["127.0.0.1:1", `127.0.0.1:${provider.port}`, "127.0.0.1:1"]);
    try {
      // Whichever dyno it starts at, a refused connection moves it on to the one that answers.
      for (let i = 0; i < 3; i++) {
        const created = await call("POST", "/apps/shop/addons", { plan: "postgres" });
        expect(created.status, created.body.message).toBe(201);
        expect((await call("DELETE", `/apps/shop/addons/${created.body.id}`)).status).toBe(200);
      }
    } finally {
      await publishDynos([`127.0.0.1:${provider.port}`]);
    }
  });

  it("answers 404 for an unknown app and add-on", async () => {
    expect((await call("POST", "/apps/no-such-app/addons", { plan: "postgres" })).status).toBe(404);
    expect((await call("DELETE", `/apps/shop/addons/${randomUUID()}`)).status).toBe(404);
  });
});
