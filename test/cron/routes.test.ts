// GET /apps/:app/cron and GET /cron-schedules through the real API in-process, on a throwaway
// database and a temporary blob store holding real source tars (the running platform is not involved).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, createApiKey, createRelease, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("cron routes", () => {
  const apps: AppRow[] = [];
  let api: InProcessApi;

  const get = async <T>(path: string, key = api.key) => jsonRequest<T>({ base: api.url, key }, "GET", path);
  // No process types: nothing asks a dyno manager for dynos.
  const deploy = (app: AppRow, files: Record<string, string>) => api.recordDeploy(app, files);

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cron_routes" });
    for (const prefix of ["cron-a", "cron-b", "cron-c"]) apps.push(await api.createApp(uniqueName(prefix)));
  });

  afterAll(async () => {
    await api?.close();
  });

  it("lists an app's entries from app.json in its current release, with errors", async () => {
    const [a] = apps;
    await deploy(a!, {
      "app.json": JSON.stringify({ cron: [{ command: "echo hi", schedule: "*/5 * * * *" }, { command: "echo bad", schedule: "61 * * * *" }] }),
    });
    const res = await get<{ command: string; schedule: string; error?: string }[]>(`/apps/${a!.name}/cron`);
    expect(res.status).toBe(200);
    expect(res.body[0]).toEqual({ command: "echo hi", schedule: "*/5 * * * *" });
    expect(res.body[1]).toMatchObject({ command: "echo bad", schedule: "61 * * * *", error: expect.stringMatching(/not a valid cron expression/) });

    // A new release with a new source replaces the entries.
    await deploy(a!, { "app.json": JSON.stringify({ cron: [{ command: "node report.ts", schedule: "0 3 * * *" }] }) });
    expect((await get(`/apps/${a!.name}/cron`)).body).toEqual([{ command: "node report.ts", schedule: "0 3 * * *" }]);
  });

  it("has no entries for an app without app.json or without a built release", async () => {
    const [, b, c] = apps;
    await deploy(b!, {});
    await createRelease(api.db, { appId: c!.id, configChanges: { A: "1" }, description: "Set A", userId: null });
    expect((await get(`/apps/${b!.name}/cron`)).body).toEqual([]);
    expect((await get(`/apps/${c!.name}/cron`)).body).toEqual([]);
  });

  it("lists every app's valid schedules for the cron service (its key's scope), not for a user", async () => {
    const cronKey = await createApiKey(api.db, (await ensureUser(api.db, "cron-routes-system@ouro.local")).id, { scope: ["cron"] });
    expect(await get("/cron-schedules")).toMatchObject({ status: 403, body: { id: "forbidden" } });
    const res = await get<{ app: string; command: string; schedule: string }[]>("/cron-schedules", cronKey);
    expect(res.status).toBe(200);
    const ours = res.body.filter((s) => apps.some((a) => a.name === s.app));
    expect(ours).toEqual([{ app: apps[0]!.name, command: "node report.ts", schedule: "0 3 * * *" }]);
  });

  it("answers 404 for an unknown app and 401 without a key", async () => {
    expect(await get("/apps/no-such-cron-app/cron")).toMatchObject({ status: 404, body: { id: "not_found" } });
    expect(await get("/cron-schedules", "")).toMatchObject({ status: 401, body: { id: "unauthorized" } });
  });
});
