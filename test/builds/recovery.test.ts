// What a crash of the API leaves behind is settled by the next one: builds past their
// deadline (stored with the build) are failed with the reason; pending releases are failed
// when no release phase runs for them, and watched to their end when one does. A release
// phase whose app is deleted ends with the reason, and nothing throws.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeReleasePhases } from "../../platform/builds/index.ts";
import {
  type AppRow,
  type Db,
  createApp,
  createBuild,
  createRelease,
  createRun,
  deleteApp,
  ensureUser,
  getBuild,
  getRelease,
  listOpenRuns,
  markRun,
} from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { throwawayDatabase } from "../support/database.ts";
import { uniqueName } from "../support/platform.ts";

describe("recovery after a crash, and release phases that lose their app", () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let db: Db;
  let api: InProcessApi;
  let ownerId = "";

  beforeAll(async () => {
    database = await throwawayDatabase("ouro_recovery_test");
    db = database.db;
    api = await inProcessApi({ db });
    ownerId = (await ensureUser(db, "recovery@ouro.local")).id;
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  /** An app whose current release has a slug with a `release` process type. */
  async function appWithReleasePhase(): Promise<AppRow> {
    const app = await createApp(db, { name: uniqueName("phase"), ownerId });
    // No web dyno to wait for (no dyno manager runs here): a release is current once its phase passed.
    await api.recordDeploy(app, {}, { worker: "serve", release: "migrate" });
    return app;
  }

  it("fails builds past their deadline with the reason, and leaves the others pending", async () => {
    const app = await createApp(db, { name: uniqueName("late"), ownerId });
    const source = { appId: app.id, userId: ownerId, sourceChecksum: `SHA256:${"2".repeat(64)}`, sourceVersion: null };
    const late = await createBuild(db, { ...source, deadline: new Date(Date.now() - 1_000) });
    const onTime = await createBuild(db, { ...source, deadline: new Date(Date.now() + 60_000) });
    expect(await api.builds.failExpiredBuilds()).toBe(1);
    expect(await getBuild(db, late.id)).toMatchObject({ status: "failed", failure_message: expect.stringMatching(/^build timed out: it was still pending at its deadline/) });
    expect((await getBuild(db, onTime.id)).status).toBe("pending");
    expect(await api.builds.failExpiredBuilds()).toBe(0);
  });

  it("a build's deadline is OURO's build timeout from when it was queued", async () => {
    const short = await inProcessApi({ db, buildTimeoutMs: 1_500 });
    try {
      const app = await createApp(db, { name: uniqueName("timeout"), ownerId });
      const build = await short.builds.start({ app, userId: ownerId, source: (await import("node:stream")).Readable.from(["tar"]), version: null });
      expect(build.deadline_at.getTime() - build.created_at.getTime()).toBeGreaterThanOrEqual(1_400);
      expect(build.deadline_at.getTime() - build.created_at.getTime()).toBeLessThan(3_000);
      expect(await short.builds.failExpiredBuilds()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(await short.builds.failExpiredBuilds()).toBe(1);
      expect((await getBuild(db, build.id)).status).toBe("failed");
    } finally {
      await short.close();
    }
  });

  it("a config change's release phase ends with the reason when its app is deleted meanwhile", async () => {
    const app = await appWithReleasePhase();
    const release = await api.builds.releaseChange({ app, changes: { SLOW: "1" }, description: "Set SLOW", userId: ownerId });
    expect(release.status).toBe("pending");
    await expect.poll(async () => (await listOpenRuns(db, app.name)).map((r) => r.type)).toEqual(["release"]);
    await deleteApp(db, app.id);
    await expect
      .poll(() => api.logs.join("\n"), { timeout: 5_000 })
      .toContain(`${app.name}: ${app.name} was deleted while its release phase ran; v2 was not released.`);
    expect(api.logs.join("\n")).not.toContain(`${app.name}: the release phase of v2 failed`);
  });

  it("a config change's release phase that exits 0 makes the release current; non-zero fails it with the reason", async () => {
    const app = await appWithReleasePhase();
    const openRun = async () => {
      await expect.poll(async () => (await listOpenRuns(db, app.name)).length).toBe(1);
      return (await listOpenRuns(db, app.name))[0]!;
    };
    const ok = await api.builds.releaseChange({ app, changes: { A: "1" }, description: "Set A", userId: ownerId });
    const run = await openRun();
    await markRun(db, run.id, { state: "complete", exitCode: 0 });
    await expect.poll(async () => (await getRelease(db, app.id, String(ok.version))).current).toBe(true);

    const bad = await api.builds.releaseChange({ app, changes: { B: "2" }, description: "Set B", userId: ownerId });
    const badRun = await openRun();
    await markRun(db, badRun.id, { state: "complete", exitCode: 3 });
    await expect.poll(async () => (await getRelease(db, app.id, String(bad.version))).status).toBe("failed");
    expect((await getRelease(db, app.id, String(bad.version))).failure_message).toBe(
      `Release command (migrate) exited with status 3: v${bad.version} failed and the current release keeps serving.`,
    );
  });

  it("at start, fails a pending release no release phase runs for, and watches a running one to its end", async () => {
    const app = await appWithReleasePhase();
    // v2: pending with no run at all (the API died between the release and its run).
    const orphan = await createRelease(db, { appId: app.id, configChanges: { X: "1" }, description: "Set X", userId: ownerId, status: "pending" });
    // v3: pending with its release phase still running (the API died while it waited).
    const watched = await createRelease(db, { appId: app.id, configChanges: { Y: "1" }, description: "Set Y", userId: ownerId, status: "pending" });
    await createRun(db, { appId: app.id, command: "migrate", type: "release", releaseVersion: watched.version });

    const logs: string[] = [];
    const notified: string[] = [];
    const { redis } = api.deps;
    await resumeReleasePhases({ db, redis, notifyFormation: async (name) => void notified.push(name), log: (line) => logs.push(line) });
    const failed = await getRelease(db, app.id, String(orphan.version));
    expect(failed).toMatchObject({ status: "failed", current: false });
    expect(failed.failure_message).toMatch(/^the API stopped while v2's release phase ran, and it is no longer running/);
    expect(logs).toContain(`${app.name}: watching the release phase of v${watched.version} again (release.1)`);

    const [run] = await listOpenRuns(db, app.name);
    await markRun(db, run!.id, { state: "complete", exitCode: 0 });
    await expect.poll(async () => (await getRelease(db, app.id, String(watched.version))).current).toBe(true);
    await expect.poll(() => notified).toContain(app.name);
  });
});
