// Who may reach which app, on the real API in-process (throwaway database): every route that
// names an app, walked from the API's own router, answers a stranger 404 as if the app did not
// exist; collaborators, transfers, users, system apps, the cron service's narrow key, and the
// audit trail written in the change's own transaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import { type AppRow, type User, createApiKey, createApp, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method and path the API serves, from express's own router (nested routers included). */
function servedRoutes(stack: Layer[]): { method: string; path: string }[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter((m) => m !== "_all");
      return paths.flatMap((path) => methods.map((method) => ({ method: method.toUpperCase(), path })));
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

// Plausible values for the other parameters: the app check comes before any of them is read.
const SAMPLE: Record<string, string> = {
  release: "1",
  build: "00000000-0000-4000-8000-000000000000",
  slug: "00000000-0000-4000-8000-000000000000",
  dyno: "web.1",
  type: "web",
  addon: "postgres-x",
  user: "someone@example.com",
};

describe("access to apps: owners, collaborators, admins and strangers", () => {
  let api: InProcessApi;
  let app: AppRow;
  let stranger: User;
  let strangerKey: string;
  let adminKey: string;
  let cronKey: string;
  let system: AppRow;

  const call = <T = { id: string; message: string }>(key: string, method: string, path: string, body?: unknown) =>
    jsonRequest<T>({ base: api.url, key }, method, path, body);

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_access_test" });
    app = await api.createApp(uniqueName("access"));
    await api.recordDeploy(app, { "app.json": JSON.stringify({ cron: [{ command: "echo nightly", schedule: "0 3 * * *" }] }) }, { web: "node web.js" });
    stranger = await ensureUser(api.db, "access-stranger@example.com");
    strangerKey = await createApiKey(api.db, stranger.id);
    adminKey = await createApiKey(api.db, (await ensureUser(api.db, "access-admin@example.com", { admin: true })).id);
    const systemUser = await ensureUser(api.db, "access-system@example.com");
    cronKey = await createApiKey(api.db, systemUser.id, { scope: ["cron"] });
    system = await createApp(api.db, { name: uniqueName("access-sys"), ownerId: systemUser.id, system: true });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("answers 404 to a stranger on every route that names an app, as for a missing app", async () => {
    // The git hook's internal routes take the hook's signed token, never a user's key (tokens.test.ts).
    const routes = servedRoutes(createApi(api.deps).router.stack as Layer[]).filter((r) => r.path.includes(":app") && !r.path.startsWith("/internal/"));
    // The walk found the API's routes, not an empty list that would pass anything.
    expect(routes.length).toBeGreaterThan(25);
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => (name === "app" ? app.name : (SAMPLE[name] ?? "x")));
      const res = await fetch(`${api.url}${path}${path.endsWith("/info/refs") ? "?service=git-upload-pack" : ""}`, {
        method: route.method,
        headers: { authorization: `Bearer ${strangerKey}`, "content-type": "application/json" },
        body: route.method === "GET" || route.method === "HEAD" ? undefined : "{}",
      });
      const body = await res.text();
      expect(`${route.method} ${route.path}: ${res.status}`).toBe(`${route.method} ${route.path}: 404`);
      if (route.method !== "HEAD") expect(body).toContain(`Couldn't find that app: ${app.name}.`);
    }
    const missing = await call(strangerKey, "GET", "/apps/no-such-app-here");
    expect(missing.body.message).toBe("Couldn't find that app: no-such-app-here.");
    // By id too.
    expect((await call(strangerKey, "GET", `/apps/${app.id}`)).status).toBe(404);
  });

  it("lists only the caller's apps; the admin sees all, system apps with ?all", async () => {
    const names = async (key: string, query = "") => (await call<{ name: string }[]>(key, "GET", `/apps${query}`)).body.map((a) => a.name);
    expect(await names(api.key)).toContain(app.name);
    expect(await names(strangerKey)).not.toContain(app.name);
    expect(await names(adminKey)).toContain(app.name);
    expect(await names(adminKey)).not.toContain(system.name);
    expect(await names(adminKey, "?all=true")).toContain(system.name);
    expect(await names(api.key, "?all=true")).not.toContain(system.name);
  });

  it("lets a collaborator in until removed; only the owner or an admin shares, destroys or transfers", async () => {
    const added = await call<{ role: string; user: { email: string } }>(api.key, "POST", `/apps/${app.name}/collaborators`, { user: stranger.email });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: "collaborator", user: { email: stranger.email } });
    const list = await call<{ role: string; user: { email: string } }[]>(strangerKey, "GET", `/apps/${app.name}/collaborators`);
    // By email, as Heroku's API lists them (`ouro access` puts the owner first).
    expect(list.body.map((c) => `${c.user.email}:${c.role}`)).toEqual([`${stranger.email}:collaborator`, `${api.user.email}:owner`].sort());

    expect((await call(strangerKey, "GET", `/apps/${app.name}`)).status).toBe(200);
    expect((await call(strangerKey, "PATCH", `/apps/${app.name}/config-vars`, { SHARED: "yes" })).status).toBe(200);
    expect((await call<{ name: string }[]>(strangerKey, "GET", "/apps")).body.map((a) => a.name)).toContain(app.name);
    const destroy = await call(strangerKey, "DELETE", `/apps/${app.name}`);
    expect(destroy.status).toBe(403);
    expect(destroy.body.message).toContain(`Only the owner of ${app.name}`);
    expect((await call(strangerKey, "POST", `/apps/${app.name}/collaborators`, { user: "access-admin@example.com" })).status).toBe(403);
    expect((await call(strangerKey, "POST", "/account/app-transfers", { app: app.name, recipient: stranger.email })).status).toBe(403);
    expect((await call(api.key, "POST", `/apps/${app.name}/collaborators`, { user: stranger.email })).status).toBe(409);
    expect((await call(api.key, "POST", `/apps/${app.name}/collaborators`, { user: "nobody@example.com" })).body.message).toMatch(
      /no user nobody@example.com/,
    );

    const removed = await call(api.key, "DELETE", `/apps/${app.name}/collaborators/${stranger.email}`);
    expect(removed.status).toBe(200);
    expect((await call(strangerKey, "GET", `/apps/${app.name}`)).status).toBe(404);
    expect((await call(strangerKey, "PATCH", `/apps/${app.name}/config-vars`, { SHARED: "again" })).status).toBe(404);
  });

  it("transfers an app: the recipient owns it, the previous owner stays as a collaborator", async () => {
    const moved = await createApp(api.db, { name: uniqueName("access-move"), ownerId: api.user.id });
    const transfer = await call<{ state: string; recipient: { email: string } }>(api.key, "POST", "/account/app-transfers", {
      app: moved.name,
      recipient: stranger.email,
    });
    expect(transfer.status).toBe(201);
    expect(transfer.body).toMatchObject({ state: "accepted", recipient: { email: stranger.email }, owner: { email: api.user.email } });
    const [entry] = (await call<{ action: string; detail: { transfer: string } }[]>(strangerKey, "GET", `/apps/${moved.name}/audit?limit=1`)).body;
    expect(entry).toMatchObject({ action: "app.transfer", detail: { transfer: (transfer.body as unknown as { id: string }).id } });
    const roles = await call<{ role: string; user: { email: string } }[]>(strangerKey, "GET", `/apps/${moved.name}/collaborators`);
    expect(roles.body.map((c) => `${c.user.email}:${c.role}`)).toEqual([`${stranger.email}:owner`, `${api.user.email}:collaborator`]);
    // The previous owner is now a collaborator: no longer allowed to destroy it.
    expect((await call(api.key, "DELETE", `/apps/${moved.name}`)).status).toBe(403);
    expect((await call(strangerKey, "DELETE", `/apps/${moved.name}`)).status).toBe(200);
  });

  it("keeps system apps to the admin, who still cannot destroy, share or transfer them", async () => {
    expect((await call(api.key, "GET", `/apps/${system.name}`)).status).toBe(404);
    expect((await call(api.key, "GET", `/apps/${system.name}/config-vars`)).status).toBe(404);
    expect((await call(adminKey, "GET", `/apps/${system.name}`)).status).toBe(200);
    const destroy = await call(adminKey, "DELETE", `/apps/${system.name}`);
    expect(destroy.status).toBe(403);
    expect(destroy.body.message).toContain("is a system app");
    expect((await call(adminKey, "POST", `/apps/${system.name}/collaborators`, { user: stranger.email })).status).toBe(403);
    expect((await call(adminKey, "POST", "/account/app-transfers", { app: system.name, recipient: stranger.email })).status).toBe(403);
    expect((await call(adminKey, "GET", `/apps/${system.name}`)).status).toBe(200);
  });

  it("gives the cron key the schedules and the app's own scheduled commands, nothing else", async () => {
    const schedules = await call<{ app: string; command: string }[]>(cronKey, "GET", "/cron-schedules");
    expect(schedules.status).toBe(200);
    expect(schedules.body).toContainEqual({ app: app.name, command: "echo nightly", schedule: "0 3 * * *" });
    expect((await call(api.key, "GET", "/cron-schedules")).status).toBe(403);
    expect((await call(adminKey, "GET", "/cron-schedules")).status).toBe(200);

    const run = await call<{ name: string }>(cronKey, "POST", `/apps/${app.name}/dynos`, { command: "echo nightly", type: "scheduler" });
    expect(run.status).toBe(201);
    expect(run.body.name).toMatch(/^scheduler\.\d+$/);
    const other = await call(cronKey, "POST", `/apps/${app.name}/dynos`, { command: "cat /proc/self/environ", type: "scheduler" });
    expect(other.status).toBe(403);
    expect(other.body.message).toContain("only commands the app's app.json schedules");
    expect((await call(cronKey, "POST", `/apps/${app.name}/dynos`, { command: "echo nightly", type: "run" })).status).toBe(403);

    // Nothing else: no change to a user's app, no reading the system apps' config.
    expect((await call(cronKey, "PATCH", `/apps/${app.name}/config-vars`, { EVIL: "1" })).status).toBe(403);
    expect((await call(cronKey, "PATCH", `/apps/${app.name}/formation/web`, { quantity: 5 })).status).toBe(403);
    expect((await call(cronKey, "GET", `/apps/${app.name}/config-vars`)).status).toBe(403);
    expect((await call(cronKey, "GET", `/apps/${system.name}/config-vars`)).status).toBe(403);
    expect((await call(cronKey, "POST", `/apps/${system.name}/dynos`, { command: "echo nightly", type: "scheduler" })).status).toBe(404);
    expect((await call(cronKey, "POST", "/oauth/authorizations", {})).status).toBe(403);
  });

  it("manages users as the admin only; a user who owns apps is not removed", async () => {
    expect((await call(api.key, "GET", "/users")).status).toBe(403);
    expect((await call(api.key, "POST", "/users", { email: "x@example.com" })).status).toBe(403);
    const made = await call<{ email: string; api_key: string; admin: boolean }>(adminKey, "POST", "/users", { email: "Access-New@Example.com" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ email: "access-new@example.com", admin: false });
    expect((await call<{ email: string }>(made.body.api_key, "GET", "/account")).body.email).toBe("access-new@example.com");
    expect((await call(adminKey, "POST", "/users", { email: "access-new@example.com" })).status).toBe(409);
    expect((await call(adminKey, "POST", "/users", { email: "not an email" })).status).toBe(422);
    const listed = await call<{ email: string }[]>(adminKey, "GET", "/users");
    expect(listed.body.map((u) => u.email)).toContain("access-new@example.com");

    const owner = await call(adminKey, "DELETE", `/users/${api.user.email}`);
    expect(owner.status).toBe(422);
    expect(owner.body.message).toContain(`still owns`);
    expect(owner.body.message).toContain(app.name);
    expect((await call(adminKey, "DELETE", "/users/access-new@example.com")).status).toBe(200);
    // Their key went with them.
    expect((await call(made.body.api_key, "GET", "/account")).status).toBe(401);
  });

  it("audits each change with user, app and address, in the change's own transaction", async () => {
    interface Entry {
      action: string;
      actor: { email: string };
      app: { name: string } | null;
      address: string;
      detail: Record<string, unknown>;
    }
    await call(api.key, "PATCH", `/apps/${app.name}/formation/web`, { quantity: 2 });
    // A change refused in its transaction leaves no entry.
    expect((await call(api.key, "PATCH", `/apps/${app.name}/formation/nosuchtype`, { quantity: 2 })).status).toBe(422);
    const trail = await call<Entry[]>(api.key, "GET", `/apps/${app.name}/audit`);
    expect(trail.status).toBe(200);
    const actions = trail.body.map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual(["formation.update", "dyno.run"]);
    expect(actions).toContain("collaborator.add");
    expect(actions).toContain("collaborator.remove");
    expect(actions.filter((a) => a === "formation.update")).toHaveLength(1);
    expect(trail.body[0]).toMatchObject({ actor: { email: api.user.email }, app: { name: app.name }, address: "127.0.0.1" });
    const config = trail.body.find((e) => e.action === "config.update")!;
    expect(config).toMatchObject({ actor: { email: stranger.email }, detail: { set: ["SHARED"] } });

    // The stranger no longer reaches the app, nor its audit; their own entries they still read.
    expect((await call(strangerKey, "GET", `/apps/${app.name}/audit`)).status).toBe(404);
    const own = await call<Entry[]>(strangerKey, "GET", "/audit");
    expect(own.body.every((e) => e.actor.email === stranger.email || e.app?.name !== app.name)).toBe(true);
    // A removed user's collaborations end with an entry on each app they leave.
    const leaving = await call<{ api_key: string }>(adminKey, "POST", "/users", { email: "access-leaving@example.com" });
    expect((await call(api.key, "POST", `/apps/${app.name}/collaborators`, { user: "access-leaving@example.com" })).status).toBe(201);
    expect((await call(adminKey, "DELETE", "/users/access-leaving@example.com")).status).toBe(200);
    expect(leaving.status).toBe(201);
    const [left] = (await call<Entry[]>(api.key, "GET", `/apps/${app.name}/audit?limit=1`)).body;
    expect(left).toMatchObject({ action: "collaborator.remove", detail: { email: "access-leaving@example.com", reason: "user removed" } });

    const all = await call<Entry[]>(adminKey, "GET", "/audit?limit=500");
    expect(all.body.some((e) => e.action === "user.remove")).toBe(true);
    const tooMany = await call(adminKey, "GET", "/audit?limit=0");
    expect(tooMany).toMatchObject({ status: 422, body: { message: "limit: must be from 1 to 1000" } });
  });
});
