// Standby build dynos (platform/builds/build-dynos.ts): once an app's build has ended, a build dyno
// waits for its next build, holding a credential only to ask which build took it. The app's next
// build takes it; another app's never does; the platform keeps a bounded number, none of an older
// builder release and none for long. In-process API, throwaway database, the platform's Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, type RunRow, createBuild, createRun, getRun } from "../../platform/db/index.ts";
import { BUILDER_APP, STANDBY_DYNO_ENV } from "../../platform/lib/build-contract.ts";
import { buildScope, scopedToken, standbyScope, verifyScopedToken } from "../../platform/lib/tokens.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";

describe("standby build dynos", () => {
  let api: InProcessApi;
  let builder: AppRow;
  const secret = () => api.deps.config.secrets.tokenSecret;

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_standby_test", standbyBuildDynos: 2 });
    builder = await api.createApp(BUILDER_APP);
    await api.recordDeploy(builder, {}, { worker: "node apps/builder/main.ts", build: "node apps/builder/build-main.ts" });
  });
  afterAll(async () => {
    await api?.close();
  });

  const pendingBuild = (app: AppRow) => createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: null, sourceVersion: null });
  const standbys = async () =>
    (await api.db.query<RunRow>("SELECT * FROM runs WHERE standby_for IS NOT NULL AND build_id IS NULL AND state <> 'complete' ORDER BY created_at")).rows;
  const askForBuild = (runId: string, token: string) =>
    fetch(`${api.url}/internal/standbys/${runId}/build`, { headers: { authorization: `Bearer ${token}` } });

  it("starts one for an app's next build, holding only where the API is and a credential to wait with", async () => {
    const app = await api.createApp(uniqueName("standby"));
    await api.builds.dynos.standBy(app.id);
    await api.builds.dynos.standBy(app.id); // one per app: the second changes nothing
    const mine = (await standbys()).filter((r) => r.standby_for === app.id);
    expect(mine).toHaveLength(1);
    const run = mine[0]!;
    expect(run).toMatchObject({ app_id: builder.id, type: "build", command: "node apps/builder/build-main.ts", build_id: null, state: "pending" });
    expect(Object.keys(run.env).sort()).toEqual([STANDBY_DYNO_ENV.apiUrl, STANDBY_DYNO_ENV.token, STANDBY_DYNO_ENV.runId].sort());
    expect(run.env[STANDBY_DYNO_ENV.runId]).toBe(run.id);
    expect(verifyScopedToken(secret(), standbyScope(run.id), run.env[STANDBY_DYNO_ENV.token])).toBe(true);
    expect(api.notified).toContain(BUILDER_APP);
  });

  it("is taken by the app's next build, never another app's, and tells the dyno that build's credential", async () => {
    const app = await api.createApp(uniqueName("standby"));
    const other = await api.createApp(uniqueName("standby"));
    await api.builds.dynos.standBy(app.id);
    const standby = (await standbys()).find((r) => r.standby_for === app.id)!;
    const token = standby.env[STANDBY_DYNO_ENV.token]!;

    // A wrong credential: another standby's, or a build's.
    expect((await askForBuild(standby.id, scopedToken(secret(), standbyScope("x")))).status).toBe(401);
    expect((await askForBuild(standby.id, scopedToken(secret(), buildScope(standby.id)))).status).toBe(401);

    // The dyno asks before any build took it, and waits.
    const asked = askForBuild(standby.id, token);
    const otherBuild = await pendingBuild(other);
    const otherDyno = await api.builds.dynos.start(otherBuild);
    expect((await getRun(api.db, standby.id)).build_id).toBeNull(); // another app's build started its own
    expect(otherDyno.name).not.toBe(`build.${standby.number}`);

    const build = await pendingBuild(app);
    const dyno = await api.builds.dynos.start(build);
    expect(dyno).toMatchObject({ name: `build.${standby.number}`, buildStatus: "pending" });
    expect((await getRun(api.db, standby.id)).build_id).toBe(build.id);
    const answer = await asked;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ buildId: build.id, token: scopedToken(secret(), buildScope(build.id)) });
    // Asked again (a retry), the same answer; the build's own dyno is this one, not a new one.
    expect(await (await askForBuild(standby.id, token)).json()).toMatchObject({ buildId: build.id });
    expect(await api.builds.dynos.start(build)).toMatchObject({ name: `build.${standby.number}` });
    // A standby's run is not one of the builder's one-off dynos: `ouro run` on it is not refused for it.
    expect((await api.db.query("SELECT count(*)::int AS n FROM runs WHERE build_id = $1", [build.id])).rows[0].n).toBe(1);
  });

  it("keeps the newest few, closes those of an older builder release, and the closed one's request ends (410)", async () => {
    const apps = [];
    for (let i = 0; i < 3; i++) apps.push(await api.createApp(uniqueName("standby")));
    for (const app of apps) await api.builds.dynos.standBy(app.id);
    const waiting = await standbys();
    expect(waiting).toHaveLength(2); // OURO_STANDBY_BUILD_DYNOS here: the oldest went
    expect(waiting.map((r) => r.standby_for)).toEqual([apps[1]!.id, apps[2]!.id]);
    const closed = (await api.db.query<RunRow>("SELECT * FROM runs WHERE standby_for = $1", [apps[0]!.id])).rows[0]!;
    expect(closed.state).toBe("complete");
    expect((await askForBuild(closed.id, closed.env[STANDBY_DYNO_ENV.token]!)).status).toBe(410);

    // A new builder release: the standbys of the old one are never taken, and are closed.
    await api.recordDeploy(builder, {}, { worker: "node apps/builder/main.ts", build: "node apps/builder/build-main.ts --v2" });
    const build = await pendingBuild(apps[2]!);
    await api.builds.dynos.start(build);
    expect((await getRun(api.db, waiting[1]!.id)).build_id).toBeNull();
    await api.builds.dynos.closeStale();
    expect(await standbys()).toEqual([]);
  });

  it("is not counted against the builder's one-off dynos", async () => {
    const app = await api.createApp(uniqueName("standby"));
    await api.builds.dynos.standBy(app.id);
    const run = await createRun(api.db, { appId: builder.id, type: "run", command: "true" }, { max: 1, appName: BUILDER_APP });
    expect(run.type).toBe("run");
  });
});
