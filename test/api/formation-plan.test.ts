// The dyno plan as the API shows it (in-process API, throwaway database): the desired model, the
// live model as the dyno manager recorded it, the delta and the plan by the app's strategy; and
// restarts as new generations of the desired model, audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, type DynoRecord, recordDynos } from "../../platform/db/index.ts";
import type { FormationPlanResource } from "../../platform/lib/plan-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("formation plan, strategies and restarts", () => {
  let api: InProcessApi;
  let app: AppRow;
  const call = <T = { message: string }>(method: string, path: string, body?: unknown) => jsonRequest<T>({ base: api.url, key: api.key }, method, path, body);
  const plan = async () => (await call<FormationPlanResource>("GET", `/apps/${app.name}/formation-plan`)).body;
  const dyno = (name: string, release: number, state: DynoRecord["state"] = "up", generation = 0): DynoRecord => ({
    app_id: app.id,
    name,
    type: name.split(".")[0]!,
    release_version: release,
    container_id: `${app.name}-${name}-v${release}-g${generation}`,
    command: "node web.js",
    state,
    port: null,
    created_at: new Date(),
    size: "standard-1X",
    generation,
    run_id: null,
  });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_plan_test" });
    app = await api.createApp(uniqueName("plan"));
  });
  afterAll(async () => {
    await api?.close();
  });

  it("shows an app with no release: nothing desired, nothing to do", async () => {
    const view = await plan();
    expect(view).toMatchObject({ strategy: { name: "preboot", batch: 1 }, desired: { release: null, dynos: [] }, live: [], delta: [], plan: [], converged: true });
  });

  it("after a scale to 3 from 1 shows two dynos to start, and nothing once they are up", async () => {
    await api.recordDeploy(app, {}, { web: "node web.js" });
    await recordDynos(api.db, app.id, [dyno("web.1", 1)]);
    expect((await plan()).converged).toBe(true);
    expect((await call("PATCH", `/apps/${app.name}/formation/web`, { quantity: 3 })).status).toBe(200);

    const view = await plan();
    expect(view.desired.dynos.map((d) => d.name)).toEqual(["web.1", "web.2", "web.3"]);
    expect(view.delta).toEqual([
      { kind: "start", dyno: "web.2", release: 1, reason: "in the formation, not running" },
      { kind: "start", dyno: "web.3", release: 1, reason: "in the formation, not running" },
    ]);
    expect(view.plan).toEqual([[{ kind: "start", dyno: "web.2", release: 1 }, { kind: "start", dyno: "web.3", release: 1 }]]);
    expect(view.converged).toBe(false);

    await recordDynos(api.db, app.id, [dyno("web.1", 1), dyno("web.2", 1, "starting"), dyno("web.3", 1)]);
    // Nothing left to start, but one is not up yet: not converged.
    expect(await plan()).toMatchObject({ delta: [], plan: [], converged: false });
    await recordDynos(api.db, app.id, [dyno("web.1", 1), dyno("web.2", 1), dyno("web.3", 1)]);
    expect(await plan()).toMatchObject({ delta: [], converged: true });
  });

  it("plans a new release by the app's strategy: preboot, then rolling 2", async () => {
    await api.recordDeploy(app, { "web.js": "v2" }, { web: "node web.js" });
    const preboot = await plan();
    expect(preboot.desired.release).toBe(2);
    expect(preboot.delta.map((d) => `${d.kind} ${d.dyno} ${d.reason}`)).toEqual(["replace web.1 v1 → v2", "replace web.2 v1 → v2", "replace web.3 v1 → v2"]);
    expect(preboot.plan.map((phase) => phase.map((s) => `${s.kind} ${s.dyno} v${s.release}`))).toEqual([
      ["start web.1 v2", "start web.2 v2", "start web.3 v2"],
      ["stop web.1 v1", "stop web.2 v1", "stop web.3 v1"],
    ]);

    const set = await call<{ strategy: string; batch: number }>("PUT", `/apps/${app.name}/strategy`, { strategy: "rolling", batch: 2 });
    expect(set.body).toEqual({ strategy: "rolling", batch: 2 });
    expect((await call("GET", `/apps/${app.name}/strategy`)).body).toEqual({ strategy: "rolling", batch: 2 });
    const rolling = await plan();
    expect(rolling.strategy).toEqual({ name: "rolling", batch: 2 });
    expect(rolling.plan.map((phase) => phase.map((s) => `${s.kind} ${s.dyno}`))).toEqual([
      ["start web.1", "start web.2"],
      ["stop web.1", "stop web.2"],
      ["start web.3"],
      ["stop web.3"],
    ]);
    const bad = await call("PUT", `/apps/${app.name}/strategy`, { strategy: "yolo" });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("strategy");
    await call("PUT", `/apps/${app.name}/strategy`, { strategy: "preboot" });
  });

  it("mid-deploy, keeps a slot's old dyno while the new one starts, and shows each live dyno's lifecycle steps", async () => {
    const other = await api.createApp(uniqueName("plan"));
    await api.recordDeploy(other, {}, { web: "node web.js" });
    await api.recordDeploy(other, { "web.js": "v2" }, { web: "node web.js" });
    const steps = { configure: { at: "2026-11-27T07:00:00.000Z", ms: 40 }, install: { at: "2026-11-27T07:00:00.040Z" } };
    await recordDynos(api.db, other.id, [
      { ...dyno("web.1", 1), app_id: other.id, container_id: `${other.name}-old` },
      { ...dyno("web.1", 2, "starting"), app_id: other.id, container_id: `${other.name}-new`, steps },
    ]);
    const view = (await call<FormationPlanResource>("GET", `/apps/${other.name}/formation-plan`)).body;
    expect(view).toMatchObject({ delta: [], plan: [], converged: false });
    expect(view.live.find((d) => d.release === 2)!.steps).toEqual(steps);
    expect(view.live.find((d) => d.release === 1)!.steps).toEqual({});
  });

  it("restarts a process type, or every dyno, as a new generation; a dyno by name; audits each", async () => {
    await recordDynos(api.db, app.id, [dyno("web.1", 2), dyno("web.2", 2), dyno("web.3", 2)]);
    expect((await plan()).converged).toBe(true);
    expect((await call("DELETE", `/apps/${app.name}/dynos/web`)).status).toBe(202);
    const view = await plan();
    expect(view.desired.formation).toEqual([{ type: "web", quantity: 3, size: "standard-1X", generation: 1 }]);
    expect(view.delta.map((d) => `${d.kind} ${d.dyno} ${d.reason}`)).toEqual(["replace web.1 restart", "replace web.2 restart", "replace web.3 restart"]);
    expect(api.notified.at(-1)).toBe(app.name);

    expect((await call("DELETE", `/apps/${app.name}/dynos`)).status).toBe(202);
    expect((await plan()).desired.formation[0]!.generation).toBe(2);
    expect((await call("DELETE", `/apps/${app.name}/dynos/web.2`)).status).toBe(202);
    const missing = await call("DELETE", `/apps/${app.name}/dynos/worker.9`);
    expect(missing).toMatchObject({ status: 404, body: { message: "Couldn't find that dyno: worker.9." } });

    const trail = await call<{ action: string; detail: { dynos: string } }[]>("GET", `/apps/${app.name}/audit?limit=3`);
    expect(trail.body.map((e) => `${e.action} ${e.detail.dynos}`)).toEqual(["dyno.restart web.2", "dyno.restart all", "dyno.restart web"]);
  });
});
