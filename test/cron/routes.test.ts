// GET /apps/:app/cron and GET /cron-schedules through createApi, against Ouro's PostgreSQL and a
// temporary blob store holding real source tars (the running platform's API is not involved).
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi, type ApiDeps } from "../../platform/api/index.ts";
import { createBlobStore, type BlobStore } from "../../platform/blobs/index.ts";
import { type AppRow, type Db, createApp, createBuild, createPool, createRelease, createSlug, deleteApp, ensureUser, finishBuild } from "../../platform/db/index.ts";
import { loadConfig, postgresUrl, redisUrl } from "../../platform/lib/config.ts";
import { apiKey, uniqueName } from "../support/platform.ts";

function sourceTar(files: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return Readable.from(pack);
}

describe("cron routes", () => {
  const config = loadConfig();
  const blobDir = mkdtempSync(join(tmpdir(), "ouro-cron-blobs-"));
  const apps: AppRow[] = [];
  let db: Db;
  let redis: Redis;
  let blobs: BlobStore;
  let server: Server;

  const get = async <T>(path: string, key = apiKey()) => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  // A push as the kernel records it: source blob → build → slug → release.
  async function deploy(app: AppRow, files: Record<string, string>) {
    const source = await blobs.put(sourceTar({ "package.json": "{}", ...files }));
    const build = await createBuild(db, { appId: app.id, userId: null, sourceChecksum: source.checksum, sourceVersion: null });
    // No process types: the test apps never ask the running dyno manager for dynos.
    const slug = await createSlug(db, { app_id: app.id, checksum: source.checksum, size: source.size, process_types: {}, commit: null, stack: "bookworm", buildpack_description: null });
    const release = await createRelease(db, { appId: app.id, slugId: slug.id, description: "Deploy", userId: null });
    await finishBuild(db, build.id, { status: "succeeded", slugId: slug.id, releaseId: release.id });
  }

  beforeAll(async () => {
    db = createPool(postgresUrl(config));
    redis = new Redis(redisUrl(config));
    blobs = createBlobStore(blobDir);
    const owner = await ensureUser(db, "cron-test@ouro.local");
    for (const prefix of ["cron-a", "cron-b", "cron-c"]) apps.push(await createApp(db, { name: uniqueName(prefix), ownerId: owner.id }));
    // The cron routes use db and blobs only; no build is started here.
    const ctx: ApiDeps = { config, db, redis, blobs, builds: {} as ApiDeps["builds"], notifyFormation: async () => {} };
    server = createApi(ctx).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
  });

  afterAll(async () => {
    for (const app of apps) await deleteApp(db, app.id);
    server?.close();
    await db?.end();
    redis?.disconnect();
    rmSync(blobDir, { recursive: true, force: true });
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
    await createRelease(db, { appId: c!.id, configChanges: { A: "1" }, description: "Set A", userId: null });
    expect((await get(`/apps/${b!.name}/cron`)).body).toEqual([]);
    expect((await get(`/apps/${c!.name}/cron`)).body).toEqual([]);
  });

  it("lists every app's valid schedules for the cron service", async () => {
    const res = await get<{ app: string; command: string; schedule: string }[]>("/cron-schedules");
    expect(res.status).toBe(200);
    const ours = res.body.filter((s) => apps.some((a) => a.name === s.app));
    expect(ours).toEqual([{ app: apps[0]!.name, command: "node report.ts", schedule: "0 3 * * *" }]);
  });

  it("answers 404 for an unknown app and 401 without a key", async () => {
    expect(await get("/apps/no-such-cron-app/cron")).toMatchObject({ status: 404, body: { id: "not_found" } });
    expect(await get("/cron-schedules", "")).toMatchObject({ status: 401, body: { id: "unauthorized" } });
  });
});
