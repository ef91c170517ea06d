// Quotas through the real API (in-process, on a throwaway database): at most N user one-off
// dynos open per app and at most M formation dynos per app, refused past them with a 422 that
// says so; requests sent together cannot both take the last place. Build and release-phase
// dynos, which the platform starts itself, do not count.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import { type AppRow, createRun, listBuilds, markRun } from "../../platform/db/index.ts";
import { limitsFromEnv } from "../../platform/api/limits.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface Body {
  id?: string;
  message?: string;
  quantity?: number;
}

const MAX_ONE_OFFS = 3;
const MAX_DYNOS = 5;

describe("dyno quotas", () => {
  let api: InProcessApi;
  let server: Server;
  let url: string;
  const call = (method: string, path: string, body?: unknown) => jsonRequest<Body & Body[]>({ base: url, key: api.key }, method, path, body);
  const deployed = async (prefix: string) => {
    const app = await api.createApp(uniqueName(prefix));
    await api.recordDeploy(app, {}, { web: "serve", worker: "work" });
    return app;
  };

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_quota_test" });
    server = createApi({ ...api.deps, limits: { maxOneOffDynos: MAX_ONE_OFFS, maxDynosPerApp: MAX_DYNOS } }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
  });

  describe("one-off dynos", () => {
    let app: AppRow;
    beforeAll(async () => {
      app = await deployed("oneoff");
    });

    it(`runs ${MAX_ONE_OFFS} at once and refuses the next with a clear 422`, async () => {
      for (let i = 0; i < MAX_ONE_OFFS; i++) {
        expect((await call("POST", `/apps/${app.name}/dynos`, { command: "sleep 60" })).status).toBe(201);
      }
      const refused = await call("POST", `/apps/${app.name}/dynos`, { command: "sleep 60", type: "scheduler" });
      expect(refused.status).toBe(422);
      expect(refused.body.message).toBe(
        `Cannot run more than ${MAX_ONE_OFFS} one-off dynos at once on ${app.name}: ${MAX_ONE_OFFS} are running or starting. Wait for one to exit, then try again.`,
      );
    });

    it("makes room again once one exits", async () => {
      const { rows } = await api.db.query<{ id: string }>("SELECT id FROM runs WHERE app_id = $1 LIMIT 1", [app.id]);
      await markRun(api.db, rows[0]!.id, { state: "complete", exitCode: 0 });
      expect((await call("POST", `/apps/${app.name}/dynos`, { command: "true" })).status).toBe(201);
      expect((await call("POST", `/apps/${app.name}/dynos`, { command: "true" })).status).toBe(422);
    });

    it("does not count build or release-phase dynos, and keeps the release type to the platform", async () => {
      const other = await deployed("platform-runs");
      const [build] = await listBuilds(api.db, other.id);
      // A build has one dyno open at most; release-phase dynos fill the rest and more.
      await createRun(api.db, { appId: other.id, command: "build", type: "build", buildId: build!.id });
      for (let i = 0; i < MAX_ONE_OFFS; i++) await createRun(api.db, { appId: other.id, command: "release task", type: "release" });
      expect((await call("POST", `/apps/${other.name}/dynos`, { command: "true" })).status).toBe(201);
      const release = await call("POST", `/apps/${other.name}/dynos`, { command: "true", type: "release" });
      expect(release.status).toBe(422);
      expect(release.body.message).toContain('"release" is the release phase\'s dyno type');
    });

    it("lets only as many through as there is room for when requests come together", async () => {
      const busy = await deployed("oneoff-race");
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => call("POST", `/apps/${busy.name}/dynos`, { command: "sleep 60" })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 422, 422, 422, 422, 422]);
      const { rows } = await api.db.query<{ open: number }>("SELECT count(*)::int AS open FROM runs WHERE app_id = $1", [busy.id]);
      expect(rows[0]!.open).toBe(MAX_ONE_OFFS);
    });
  });

  describe("formation", () => {
    it(`scales up to ${MAX_DYNOS} dynos in all and refuses more with a clear 422, changing nothing`, async () => {
      const app = await deployed("formation");
      const ok = await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "web", quantity: 3 }, { type: "worker", quantity: 2 }] });
      expect(ok.status).toBe(200);
      const refused = await call("PATCH", `/apps/${app.name}/formation/worker`, { quantity: 3 });
      expect(refused.status).toBe(422);
      expect(refused.body.message).toBe(
        `Cannot run more than ${MAX_DYNOS} dynos on ${app.name}: this change asks for 6 (it runs 5 now). Scale other process types down first.`,
      );
      expect((await call("GET", `/apps/${app.name}/formation/worker`)).body.quantity).toBe(2);
      // Scaling down, or moving dynos from one type to another in one call, stays within it.
      const moved = await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "web", quantity: 1 }, { type: "worker", quantity: 4 }] });
      expect(moved.status).toBe(200);
    });

    it("lets an app over a quota lowered since scale down and resize, but not up", async () => {
      const app = await deployed("formation-over");
      await api.db.query("UPDATE formations SET quantity = 4 WHERE app_id = $1", [app.id]); // 8 dynos: over 5
      expect((await call("PATCH", `/apps/${app.name}/formation/worker`, { quantity: 3 })).status).toBe(200);
      expect((await call("PATCH", `/apps/${app.name}/formation/worker`, { size: "2X" })).status).toBe(200);
      const up = await call("PATCH", `/apps/${app.name}/formation/worker`, { quantity: 4 });
      expect(up.status).toBe(422);
      expect(up.body.message).toContain("this change asks for 8 (it runs 7 now)");
    });

    it("lets only one of two changes through when together they would pass the limit", async () => {
      const app = await deployed("formation-race");
      for (let round = 0; round < 5; round++) {
        await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "web", quantity: 0 }, { type: "worker", quantity: 0 }] });
        const answers = await Promise.all([
          call("PATCH", `/apps/${app.name}/formation/web`, { quantity: 3 }),
          call("PATCH", `/apps/${app.name}/formation/worker`, { quantity: 3 }),
        ]);
        expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
        const formation = (await call("GET", `/apps/${app.name}/formation`)).body;
        expect(formation.reduce((sum, f) => sum + (f.quantity ?? 0), 0)).toBe(3);
      }
    });
  });

  describe("limits from the environment", () => {
    it("defaults to 5 one-off dynos and 100 dynos per app", () => {
      expect(limitsFromEnv({})).toMatchObject({ maxOneOffDynos: 5, maxDynosPerApp: 100 });
    });

    it("reads OURO_MAX_ONE_OFF_DYNOS and OURO_MAX_DYNOS_PER_APP", () => {
      expect(limitsFromEnv({ OURO_MAX_ONE_OFF_DYNOS: "2", OURO_MAX_DYNOS_PER_APP: "250" })).toMatchObject({ maxOneOffDynos: 2, maxDynosPerApp: 250 });
    });

    it.each([["0"], ["many"], ["1.5"]])("refuses %s, naming the variable", (value) => {
      expect(() => limitsFromEnv({ OURO_MAX_ONE_OFF_DYNOS: value })).toThrow(/OURO_MAX_ONE_OFF_DYNOS must be/);
    });
  });
});
