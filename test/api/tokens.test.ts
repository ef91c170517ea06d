// The routes whose credential is a scoped token (a build dyno's, the git hook's), run
// in-process over a throwaway database: a token opens its own build or app and nothing else.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiDeps, createApi } from "../../platform/api/index.ts";
import { createBlobStore } from "../../platform/blobs/index.ts";
import { emitBuildEvent } from "../../platform/builds/index.ts";
import { type AppRow, type BuildRow, type Db, createApp, createBuild, ensureUser, finishBuild } from "../../platform/db/index.ts";
import { type Config, loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { BUILDER_SCOPE, scopedToken } from "../../platform/lib/tokens.ts";
import { hookScope } from "../../platform/git/hook-routes.ts";
import { throwawayDatabase } from "../support/database.ts";

describe("scoped tokens on the API's internal routes (in-process API, throwaway database)", () => {
  const live = loadConfig();
  // A secret of the test's own: a token the running platform would mint is worth nothing here.
  const config: Config = { ...live, secrets: { ...live.secrets, tokenSecret: randomBytes(24).toString("hex") } };
  const blobDir = mkdtempSync(join(tmpdir(), "ouro-tokens-blobs-"));
  const source = `source of the build, ${randomBytes(4).toString("hex")}`;
  let database: Awaited<ReturnType<typeof throwawayDatabase>>;
  let db: Db;
  let redis: Redis;
  let server: Server;
  let appA: AppRow;
  let appB: AppRow;
  let buildA: BuildRow;
  let buildB: BuildRow;

  const buildToken = (build: BuildRow) => scopedToken(config.secrets.tokenSecret, `build:${build.id}`);
  // A push's hook token signs the app, the pusher and their address; the hook sends both along.
  let pusherId: string;
  const pusher = () => `user=${pusherId}&address=127.0.0.1`;
  const hookToken = (app: AppRow) => scopedToken(config.secrets.tokenSecret, hookScope(app.name, pusherId, "127.0.0.1"));

  async function call(method: string, path: string, token: string | undefined, body?: string) {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { "content-type": body.startsWith("{") ? "application/json" : "application/octet-stream" }) },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as { id: string; message: string } };
  }

  beforeAll(async () => {
    database = await throwawayDatabase("tokens");
    db = database.db;
    redis = new Redis(redisUrl(config));
    const blobs = createBlobStore(blobDir);
    const owner = await ensureUser(db, "tokens-test@ouro.local");
    pusherId = owner.id;
    appA = await createApp(db, { name: `tok-a-${randomBytes(3).toString("hex")}`, ownerId: owner.id });
    appB = await createApp(db, { name: `tok-b-${randomBytes(3).toString("hex")}`, ownerId: owner.id });
    const { checksum } = await blobs.put(Readable.from([source]));
    buildA = await createBuild(db, { appId: appA.id, userId: owner.id, sourceChecksum: checksum, sourceVersion: null });
    buildB = await createBuild(db, { appId: appB.id, userId: owner.id, sourceChecksum: checksum, sourceVersion: null });
    // No route under test may start, finish or release a build.
    const builds = new Proxy({} as ApiDeps["builds"], {
      get: (_, name) => () => Promise.reject(new Error(`the build service's ${String(name)} was called`)),
    });
    const deps: ApiDeps = { config, db, redis, blobs, builds, notifyFormation: async () => {} };
    server = createApi(deps).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
  });

  afterAll(async () => {
    server?.close();
    if (buildA) await redis?.del(`ouro:build:${buildA.id}`);
    redis?.disconnect();
    await database?.drop();
    rmSync(blobDir, { recursive: true, force: true });
  });

  describe("a build dyno's token", () => {
    it("opens its own build", async () => {
      const res = await call("GET", `/internal/builds/${buildA.id}/source`, buildToken(buildA));
      expect(res.status).toBe(200);
      expect(res.text).toBe(source);
    });

    it("stops opening its build once the build has ended: a late or replayed result changes nothing (403)", async () => {
      const owner = await ensureUser(db, "tokens-test@ouro.local");
      const ended = await createBuild(db, { appId: appA.id, userId: owner.id, sourceChecksum: buildA.source_checksum, sourceVersion: null });
      expect((await call("GET", `/internal/builds/${ended.id}/source`, buildToken(ended))).status).toBe(200);
      await finishBuild(db, ended.id, { status: "failed", message: "timed out" });
      for (const [method, route] of [["GET", "source"], ["PUT", "slug"], ["POST", "result"]] as const) {
        const body = method === "GET" ? undefined : route === "result" ? JSON.stringify({ status: "failed", message: "late" }) : "data";
        const res = await call(method, `/internal/builds/${ended.id}/${route}`, buildToken(ended), body);
        expect(res.status).toBe(403);
        expect(res.json()).toEqual({ id: "forbidden", message: `Build ${ended.id} has failed; its token no longer grants access.` });
      }
    });

    it("stops opening its build at the build's deadline, pending or not (403)", async () => {
      const owner = await ensureUser(db, "tokens-test@ouro.local");
      const late = await createBuild(db, {
        appId: appA.id,
        userId: owner.id,
        sourceChecksum: buildA.source_checksum,
        sourceVersion: null,
        deadline: new Date(Date.now() - 1000),
      });
      for (const route of ["source", "spec"]) {
        const res = await call("GET", `/internal/builds/${late.id}/${route}`, buildToken(late));
        expect(res.status).toBe(403);
        expect(res.json()).toEqual({ id: "forbidden", message: `Build ${late.id} is past its deadline; its token no longer grants access.` });
      }
    });

    it.each([
      ["POST", "dyno"],
      ["GET", "dyno"],
      ["POST", "dyno/ended"],
    ])("cannot %s %s, its own build's included: that is the builder's (401)", async (method, route) => {
      for (const build of [buildA, buildB]) {
        const res = await call(method, `/internal/builds/${build.id}/${route}`, buildToken(buildA));
        expect(res.status).toBe(401);
        expect(res.json()).toEqual({ id: "unauthorized", message: "Only the builder may manage build dynos." });
      }
    });

    it.each([
      ["GET", "spec"],
      ["GET", "source"],
      ["GET", "cache"],
      ["PUT", "cache"],
      ["POST", "output"],
      ["PUT", "slug"],
      ["POST", "result"],
    ])("is refused on another build's %s %s (401)", async (method, route) => {
      const body = method === "GET" ? undefined : route === "result" ? JSON.stringify({ ok: true }) : "data";
      const res = await call(method, `/internal/builds/${buildB.id}/${route}`, buildToken(buildA), body);
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ id: "unauthorized", message: "This token does not grant access to that build." });
    });

    it("is refused on the git hook's routes, for its own app too (401)", async () => {
      for (const app of [appA, appB]) {
        const start = await call("POST", `/internal/git/${app.name}/builds`, buildToken(buildA), "source");
        expect(start.status).toBe(401);
        expect(start.json().id).toBe("unauthorized");
      }
      const events = await call("GET", `/internal/git/${appA.name}/builds/${buildA.id}/events`, buildToken(buildA));
      expect(events.status).toBe(401);
    });

    it("is refused when missing, empty, truncated or minted under another secret (401)", async () => {
      const path = `/internal/builds/${buildA.id}/source`;
      const token = buildToken(buildA);
      for (const given of [undefined, "", token.slice(0, -1), scopedToken(live.secrets.tokenSecret, `build:${buildA.id}`)]) {
        expect((await call("GET", path, given)).status).toBe(401);
      }
    });
  });

  describe("the builder's token", () => {
    const builderToken = () => scopedToken(config.secrets.tokenSecret, BUILDER_SCOPE);

    it.each([
      ["GET", "spec"],
      ["GET", "source"],
      ["PUT", "slug"],
      ["POST", "result"],
    ])("opens no build's %s %s: only a build's own dyno may build it (401)", async (method, route) => {
      const body = method === "GET" ? undefined : route === "result" ? JSON.stringify({ status: "failed", message: "x" }) : "data";
      const res = await call(method, `/internal/builds/${buildA.id}/${route}`, builderToken(), body);
      expect(res.status).toBe(401);
    });

    it("is refused when minted under another secret (401)", async () => {
      const res = await call("GET", `/internal/builds/${buildA.id}/dyno`, scopedToken(live.secrets.tokenSecret, BUILDER_SCOPE));
      expect(res.status).toBe(401);
    });
  });

  describe("the git hook's token", () => {
    it("opens its own app's build events", async () => {
      await emitBuildEvent(redis, buildA.id, { type: "done", ok: true, message: "built" });
      const res = await call("GET", `/internal/git/${appA.name}/builds/${buildA.id}/events?${pusher()}`, hookToken(appA));
      expect(res.status).toBe(200);
      expect(res.text.trim().split("\n").map((line) => JSON.parse(line))).toEqual([{ type: "done", ok: true, message: "built" }]);
    });

    it("is refused on another app's hook routes (401)", async () => {
      const start = await call("POST", `/internal/git/${appB.name}/builds?${pusher()}`, hookToken(appA), "source");
      expect(start.status).toBe(401);
      expect(start.json()).toEqual({ id: "unauthorized", message: "This token is not the git hook's token for that app and pusher." });
      expect((await call("GET", `/internal/git/${appB.name}/builds/${buildB.id}/events?${pusher()}`, hookToken(appA))).status).toBe(401);
    });

    it("is refused for another pusher or address than it was made for (401)", async () => {
      const other = await ensureUser(db, "tokens-other@ouro.local");
      for (const query of [`user=${other.id}&address=127.0.0.1`, `user=${pusherId}&address=10.0.0.9`, ""]) {
        const start = await call("POST", `/internal/git/${appA.name}/builds?${query}`, hookToken(appA), "source");
        expect(start.status, query).toBe(401);
      }
    });

    it("does not follow another app's build through its own app (401)", async () => {
      const res = await call("GET", `/internal/git/${appA.name}/builds/${buildB.id}/events?${pusher()}`, hookToken(appA));
      expect(res.status).toBe(401);
      expect(res.json().message).toBe("That build belongs to another app.");
    });

    it("is refused on a build's internal routes (401)", async () => {
      expect((await call("GET", `/internal/builds/${buildA.id}/source`, hookToken(appA))).status).toBe(401);
    });
  });
});
