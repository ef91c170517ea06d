// Disk stays bounded however often an app is pushed (platform/builds/retention.ts): the blob
// store keeps the slugs of each app's newest releases (3 here) and the sources of recent or
// pending builds, and deletes the rest; a slug another app still runs stays, and no blob goes
// while it is minutes old; a blob nothing names goes once it is an hour old, and a deleted app's
// build cache goes. A release whose slug is gone cannot be rolled back to, and says what to do.
import { existsSync } from "node:fs";
import { utimes } from "node:fs/promises";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectBlobs } from "../../platform/builds/retention.ts";
import { type AppRow, createBuild, createRelease, createSlug, deleteApp, finishBuild, recordUploadedLayer, recordUploadedSlug, retainedSlugChecksums } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

const KEPT = 3;

describe("blob retention", () => {
  let api: InProcessApi;
  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_retention_test", limits: { slugReleasesKept: KEPT } });
  });
  afterAll(async () => {
    await api?.close();
  });
  const blob = async (text: string) => (await api.blobs.put(Readable.from([Buffer.from(text)]))).checksum;

  /** A push: its source, its slug (`slugText`, so two apps can share one), a build and a release. */
  async function push(app: AppRow, n: number, slugText = `${app.name} slug ${n}`) {
    const source = await blob(`${app.name} source ${n}`);
    const checksum = await blob(slugText);
    const build = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: source, sourceVersion: null });
    await recordUploadedSlug(api.db, build.id, checksum); // as the build dyno does, before its result
    const slug = await createSlug(api.db, { app_id: app.id, checksum, size: slugText.length, process_types: {}, commit: null, stack: "heroku-24", buildpack_description: null });
    const release = await createRelease(api.db, { appId: app.id, slugId: slug.id, description: `Deploy ${n}`, userId: null });
    await finishBuild(api.db, build.id, { status: "succeeded", slugId: slug.id, releaseId: release.id });
    return { source, checksum, build, release };
  }
  /** As if it all happened two days ago. */
  async function age(app: AppRow) {
    await api.db.query("UPDATE slugs SET created_at = now() - interval '2 days' WHERE app_id = $1", [app.id]);
    await api.db.query("UPDATE builds SET created_at = now() - interval '2 days' WHERE app_id = $1", [app.id]);
  }

  it("keeps the slugs of each app's newest releases and deletes older slugs and old builds' sources", async () => {
    const app = await api.createApp(uniqueName("pushed"));
    const other = await api.createApp(uniqueName("sharer"));
    const pushes = [];
    for (let n = 1; n <= 6; n++) pushes.push(await push(app, n));
    // A config change is a release of the same slug: it keeps that slug, and takes a place.
    await createRelease(api.db, { appId: app.id, slugId: pushes[5]!.release.slug_id!, description: "Set FOO", userId: null });
    // Another app runs the same slug as this app's first push.
    const shared = await push(other, 1, `${app.name} slug 1`);
    await age(app);
    await age(other);
    // A build still pending, of an old source: its source stays.
    const pending = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: pushes[0]!.source, sourceVersion: null });
    // Pushed in the last hour: the builds are recent, but past the newest releases their slugs go.
    const busy = await api.createApp(uniqueName("busy"));
    const recent = [];
    for (let n = 1; n <= 5; n++) recent.push(await push(busy, n));
    // A slug no release runs (a build makes its slug and release together): it goes.
    const unreleased = await blob("a slug no release runs");
    await createSlug(api.db, { app_id: app.id, checksum: unreleased, size: 1, process_types: {}, commit: null, stack: "heroku-24", buildpack_description: null });
    // A deleted app's blobs and build cache; the live app's cache.
    const gone = await api.createApp(uniqueName("deleted"));
    const goneBlobs = await push(gone, 1);
    await api.blobs.putKeyed(`cache-${gone.id}.tar.gz`, Readable.from([Buffer.from("cache")]));
    await api.blobs.putKeyed(`cache-${app.id}.tar.gz`, Readable.from([Buffer.from("cache")]));
    await deleteApp(api.db, gone.id);
    // Blobs nothing names: one uploaded half an hour before the sweep (its URL still works), one older.
    const later = Date.now() + 3 * 60 * 60_000;
    const [recentUpload, oldUpload] = [await blob("an upload, recent"), await blob("an upload, old")];
    const halfHourBefore = new Date(later - 30 * 60_000);
    await utimes(api.blobs.path(recentUpload), halfHourBefore, halfHourBefore);

    // Three hours later, as blobs go (release and build times are what the database holds).
    const removed = await collectBlobs(api.db, api.blobs, KEPT, later);
    const kept = (checksum: string) => api.blobs.has(checksum);
    // Releases v7 (config), v6, v5 are the newest three: slugs 5 and 6 stay; 1 stays for the other app.
    expect(pushes.map((p) => kept(p.checksum))).toEqual([true, false, false, false, true, true]);
    expect(kept(shared.checksum)).toBe(true);
    expect(recent.map((p) => [kept(p.checksum), kept(p.source)])).toEqual([[false, true], [false, true], [true, true], [true, true], [true, true]]);
    expect(kept(unreleased)).toBe(false);
    // Sources: only the one a pending build names.
    expect(pushes.map((p) => kept(p.source))).toEqual([true, false, false, false, false, false]);
    expect(kept(shared.source)).toBe(false);
    expect([kept(goneBlobs.checksum), kept(goneBlobs.source), kept(recentUpload), kept(oldUpload)]).toEqual([false, false, true, false]);
    expect([existsSync(api.blobs.keyedPath(`cache-${gone.id}.tar.gz`)), existsSync(api.blobs.keyedPath(`cache-${app.id}.tar.gz`))]).toEqual([false, true]);
    expect(removed).toBe(3 + 1 + 5 + 1 + 2 + 1 + 1 + 2);
    expect(await collectBlobs(api.db, api.blobs, KEPT, later)).toBe(0);
    // Now, as blobs go: none is deleted however unneeded, while it is younger than two minutes.
    const young = await blob("a slug of a build that is ending");
    expect(await collectBlobs(api.db, api.blobs, KEPT)).toBe(0);
    expect(kept(young)).toBe(true);
    // The host keeps unpacked the slugs of the same newest releases, and nothing for its age.
    const unpacked = new Set(await retainedSlugChecksums(api.db, KEPT));
    expect([...pushes.map((p) => p.checksum), unreleased].map((c) => unpacked.has(c))).toEqual([true, false, false, false, true, true, false]);
    expect(pending.status).toBe("pending");

    // A rollback to a release whose slug is gone is refused, with what to do; one kept works.
    const call = (body: unknown) => jsonRequest<{ message?: string; version?: number }>({ base: api.url, key: api.key }, "POST", `/apps/${app.name}/releases`, body);
    const refused = await call({ release: pushes[2]!.release.id });
    expect([refused.status, refused.body.message]).toEqual([
      422,
      `v3 cannot be released again: its slug is no longer kept (Ouro keeps the slugs of each app's ${KEPT} newest releases). Push that commit again instead.`,
    ]);
    const rolledBack = await call({ release: pushes[4]!.release.id });
    expect(rolledBack.status).toBe(201);
  });

  it("keeps a slug in layers whole, and a runtime layer while any kept slug has it", async () => {
    const app = await api.createApp(uniqueName("layered"));
    const [oldRuntime, runtime] = [await blob(`${app.name} runtime 1`), await blob(`${app.name} runtime 2`)];
    const pushes = [];
    for (let n = 1; n <= 5; n++) {
      const top = await blob(`${app.name} app layer ${n}`);
      const layers = [n === 1 ? oldRuntime : runtime, top];
      const checksum = `SHA256:${String(n).repeat(64)}`; // of the layers joined: never a blob of its own
      const slug = await createSlug(api.db, { app_id: app.id, checksum, layers, size: 1, process_types: {}, commit: null, stack: "heroku-24", buildpack_description: null });
      const release = await createRelease(api.db, { appId: app.id, slugId: slug.id, description: `Deploy ${n}`, userId: null });
      pushes.push({ top, release });
    }
    await age(app);
    // A pending build has stored a runtime layer and uploaded a slug with it: both stay.
    const [uploadedRuntime, uploadedTop] = [await blob(`${app.name} runtime 3`), await blob(`${app.name} app layer 6`)];
    const pending = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: await blob(`${app.name} source`), sourceVersion: null });
    await recordUploadedLayer(api.db, pending.id, uploadedRuntime);
    await recordUploadedSlug(api.db, pending.id, `SHA256:${"6".repeat(64)}`, [uploadedRuntime, uploadedTop]);

    await collectBlobs(api.db, api.blobs, KEPT, Date.now() + 3 * 60 * 60_000);
    const kept = (checksum: string) => api.blobs.has(checksum);
    expect(pushes.map((p) => kept(p.top))).toEqual([false, false, true, true, true]);
    expect([kept(oldRuntime), kept(runtime), kept(uploadedRuntime), kept(uploadedTop)]).toEqual([false, true, true, true]);
    const unpacked = new Set(await retainedSlugChecksums(api.db, KEPT));
    expect([oldRuntime, runtime, ...pushes.map((p) => p.top)].map((c) => unpacked.has(c))).toEqual([false, true, false, false, true, true, true]);
    // A rollback needs every layer of its slug.
    const call = (body: unknown) => jsonRequest<{ message?: string }>({ base: api.url, key: api.key }, "POST", `/apps/${app.name}/releases`, body);
    expect((await call({ release: pushes[0]!.release.id })).status).toBe(422);
    expect((await call({ release: pushes[3]!.release.id })).status).toBe(201);
  });
});
