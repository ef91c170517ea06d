// What the dashboard reads in one call each (in-process API, throwaway database): every app's
// state (GET /app-states, GET /apps/:app/state) from its releases and its dynos against its plan,
// only for apps the caller may see; the platform's hosts, dynos and builder queue for an admin
// only (GET /platform/status); and whether the caller is an admin (GET /account).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AppRow,
  type DynoRecord,
  createApiKey,
  createApp,
  createBuild,
  createRelease,
  endRelease,
  ensureUser,
  recordDynos,
} from "../../platform/db/index.ts";
import type { AppStateDetail, AppStateResource, PlatformStatusResource } from "../../platform/lib/plan-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("app states and the platform's status", () => {
  let api: InProcessApi;
  let app: AppRow;
  let strangerKey: string;
  let adminKey: string;
  let system: AppRow;
  const call = <T = { message: string }>(method: string, path: string, key = api.key) => jsonRequest<T>({ base: api.url, key }, method, path);
  const state = async () => {
    const { plan, ...rest } = (await call<AppStateDetail>("GET", `/apps/${app.name}/state`)).body;
    // The plan it was read from comes with it.
    expect(plan.app.name).toBe(app.name);
    return rest;
  };
  const dyno = (name: string, release: number, state: DynoRecord["state"] = "up"): DynoRecord => ({
    app_id: app.id,
    name,
    type: name.split(".")[0]!,
    release_version: release,
    container_id: `${app.name}-${name}-v${release}-${state}`,
    command: "node web.js",
    state,
    port: null,
    created_at: new Date(),
    size: "standard-1X",
    generation: 0,
    run_id: null,
  });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_states_test" });
    app = await api.createApp(uniqueName("states"));
    strangerKey = await createApiKey(api.db, (await ensureUser(api.db, "states-stranger@example.com")).id);
    adminKey = await createApiKey(api.db, (await ensureUser(api.db, "states-admin@example.com", { admin: true })).id);
    const systemUser = await ensureUser(api.db, "states-system@example.com");
    system = await createApp(api.db, { name: uniqueName("states-sys"), ownerId: systemUser.id, system: true });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("an app never deployed: no release, nothing desired, at rest", async () => {
    expect(await state()).toEqual({
      app: { id: app.id, name: app.name, system: false },
      current: null,
      newest: null,
      dynos: { up: 0, total: 0, crashed: 0 },
      converged: true,
      state: "converged",
    });
  });

  it("converging while dynos are to start or booting, converged once they are up, failing while one is crashed", async () => {
    await api.recordDeploy(app, {}, { web: "node web.js" });
    await recordDynos(api.db, app.id, [dyno("web.1", 1)]);
    expect(await state()).toMatchObject({ current: { version: 1, status: "succeeded" }, dynos: { up: 1, total: 1 }, state: "converged" });

    expect((await jsonRequest({ base: api.url, key: api.key }, "PATCH", `/apps/${app.name}/formation/web`, { quantity: 3 })).status).toBe(200);
    expect(await state()).toMatchObject({ dynos: { up: 1, total: 3, crashed: 0 }, converged: false, state: "converging" });
    await recordDynos(api.db, app.id, [dyno("web.1", 1), dyno("web.2", 1, "starting"), dyno("web.3", 1, "starting")]);
    expect(await state()).toMatchObject({ dynos: { up: 1, total: 3 }, state: "converging" });
    await recordDynos(api.db, app.id, [dyno("web.1", 1), dyno("web.2", 1), dyno("web.3", 1, "crashed")]);
    expect(await state()).toMatchObject({ dynos: { up: 2, total: 3, crashed: 1 }, state: "failing" });
    await recordDynos(api.db, app.id, [dyno("web.1", 1), dyno("web.2", 1), dyno("web.3", 1)]);
    expect(await state()).toMatchObject({ dynos: { up: 3, total: 3, crashed: 0 }, converged: true, state: "converged" });
  });

  it("converging while a newer release deploys, failing once it failed, though the current one serves", async () => {
    const deploying = await createRelease(api.db, { appId: app.id, configChanges: { GREETING: "hi" }, description: "Set GREETING config vars", userId: null, status: "deploying" });
    expect(await state()).toMatchObject({ current: { version: 1 }, newest: { version: deploying.version, status: "deploying" }, state: "converging" });
    expect(await endRelease(api.db, deploying.id, { from: "deploying", status: "failed", message: "its web dynos crashed at boot" })).toBe(true);
    expect(await state()).toMatchObject({
      current: { version: 1, status: "succeeded" },
      newest: { version: deploying.version, status: "failed", failure_message: "its web dynos crashed at boot" },
      state: "failing",
    });
  });

  it("lists only the apps the caller may see; system apps for an admin who asks", async () => {
    const names = async (key: string, query = "") => (await call<AppStateResource[]>("GET", `/app-states${query}`, key)).body.map((s) => s.app.name);
    expect(await names(api.key)).toEqual([app.name]);
    expect(await names(strangerKey)).toEqual([]);
    expect(await names(strangerKey, "?all=true")).toEqual([]);
    expect((await call("GET", `/apps/${app.name}/state`, strangerKey)).status).toBe(404);
    expect(await names(adminKey)).toContain(app.name);
    expect(await names(adminKey)).not.toContain(system.name);
    expect(await names(adminKey, "?all=true")).toContain(system.name);
    expect(await names(adminKey, "?system=true")).toEqual([system.name]);
    expect(await names(api.key, "?system=true")).toEqual([]);
  });

  it("keeps the system apps' names: no user may make an app called dashboard", async () => {
    const taken = await jsonRequest<{ message: string }>({ base: api.url, key: api.key }, "POST", "/apps", { name: "dashboard" });
    expect(taken.status).toBe(422);
    expect(taken.body.message).toContain("taken by one of Ouro's own apps");
  });

  it("shows the platform to an admin only: the host, the dynos in each state, the builder's queue", async () => {
    const build = await createBuild(api.db, { appId: app.id, userId: api.user.id, sourceChecksum: null, sourceVersion: "abc", sourceUrl: "http://127.0.0.1:9/source.tgz" });
    const status = await call<PlatformStatusResource>("GET", "/platform/status", adminKey);
    expect(status.status).toBe(200);
    const [host] = status.body.hosts;
    expect(host!.cpus).toBeGreaterThan(0);
    expect(host!.load).toHaveLength(3);
    expect(host!.memory.total).toBeGreaterThan(host!.memory.available);
    expect(host!.disk.total).toBeGreaterThan(0);
    expect(host!.disk.available).toBeLessThanOrEqual(host!.disk.total);
    expect(status.body.dynos.up).toBeGreaterThanOrEqual(3);
    expect(status.body.builds.pending).toContainEqual(expect.objectContaining({ id: build.id, app: app.name, running: false }));

    expect((await call("GET", "/platform/status", api.key)).status).toBe(403);
    expect((await call("GET", "/platform/status", strangerKey)).status).toBe(403);
  });

  it("says whether the caller is an admin, and what its key may do", async () => {
    expect((await call<{ admin: boolean; scope: string[] }>("GET", "/account", adminKey)).body).toMatchObject({ admin: true, scope: ["global"] });
    expect((await call<{ admin: boolean }>("GET", "/account", api.key)).body.admin).toBe(false);
    const reader = await createApiKey(api.db, api.user.id, { scope: ["read"] });
    expect((await call<{ scope: string[] }>("GET", "/account", reader)).body.scope).toEqual(["read"]);
  });
});
