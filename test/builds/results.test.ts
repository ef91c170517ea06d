// A build's result is taken once: the build leaves `pending` first (compare and set), then its
// slug and release are made in the same transaction. Of two results posted at once one is
// taken; a late, duplicate or replayed one is refused and makes nothing. A build that ends, in
// any way, closes its build dyno. In-process API, throwaway database.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, createBuild, createRun, finishBuild, latestBuildRun, markRun } from "../../platform/db/index.ts";
import { OUTPUT_LIMIT } from "../../platform/builds/index.ts";
import { redisUrl } from "../../platform/lib/config.ts";
import { buildScope, scopedToken } from "../../platform/lib/tokens.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";
import { tarOf } from "../support/tars.ts";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PackedLayer, packSlugLayers } from "../../apps/builder/layers.ts";
import { joinedDigest } from "../../platform/lib/slug-layers.ts";
import { LAYER_CHALLENGE_HEADER, layerProof } from "../../platform/lib/build-contract.ts";

async function writeTemp(dir: string, body: Buffer): Promise<string> {
  const path = join(dir, `plain-${randomBytes(4).toString("hex")}.tgz`);
  await writeFile(path, body);
  return path;
}

describe("build results", () => {
  let api: InProcessApi;
  let app: AppRow;
  let checksum = "";
  const slug = tarOf([{ name: "./", type: "directory", mode: 0o755 }, { name: "./Procfile", type: "file", mode: 0o644, body: "worker: run\n" }], { gzip: true });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_results_test" });
    app = await api.createApp(uniqueName("results"));
    // As if scaled to web=0: no dyno manager watches this database.
    await api.db.query("INSERT INTO formations (app_id, type, quantity) VALUES ($1, 'web', 0)", [app.id]);
    checksum = (await api.blobs.put(Readable.from([await slug]))).checksum;
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A pending build with an open build dyno, and its token; its dyno uploaded the slug `checksum`. */
  async function pendingBuild(opts: { upload?: boolean } = {}) {
    const build = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: checksum, sourceVersion: null });
    const builder = await api.createApp(uniqueName("builder"));
    await api.recordDeploy(builder, {}, { build: "build" });
    await createRun(api.db, { appId: builder.id, type: "build", command: "build", buildId: build.id });
    const token = scopedToken(api.deps.config.secrets.tokenSecret, buildScope(build.id));
    if (opts.upload !== false) {
      const put = await fetch(`${api.url}/internal/builds/${build.id}/slug`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(await slug) });
      expect(await put.json()).toMatchObject({ checksum });
    }
    return { build, token };
  }

  const post = (buildId: string, token: string, result: unknown) =>
    fetch(`${api.url}/internal/builds/${buildId}/result`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(result),
    }).then(async (response) => ({ status: response.status, body: await response.text() }));

  const succeeded = () => ({ status: "succeeded", checksum, processTypes: { worker: "run" }, buildpackDescription: "Test", stack: "bookworm" });
  const releaseCount = async () => Number((await api.db.query("SELECT count(*) FROM releases WHERE app_id = $1", [app.id])).rows[0].count);
  const slugCount = async () => Number((await api.db.query("SELECT count(*) FROM slugs WHERE app_id = $1", [app.id])).rows[0].count);

  it("takes one of two results posted at once, refuses the other (409), and makes one slug and one release", async () => {
    const { build, token } = await pendingBuild();
    const [releases, slugs] = [await releaseCount(), await slugCount()];
    const answers = await Promise.all([post(build.id, token, succeeded()), post(build.id, token, succeeded())]);
    // The loser is refused by the compare and set (409), or, if the winner had already committed
    // when it arrived, by the token check (403).
    expect(answers.filter((a) => a.status === 204)).toHaveLength(1);
    const loser = answers.find((a) => a.status !== 204)!;
    expect(loser.body).toMatch(loser.status === 409 ? /has already ended; this result changes nothing/ : /has succeeded; its token no longer grants access/);
    expect(await releaseCount()).toBe(releases + 1);
    expect(await slugCount()).toBe(slugs + 1);
    const row = (await api.db.query("SELECT status, slug_id, release_id FROM builds WHERE id = $1", [build.id])).rows[0];
    expect(row).toMatchObject({ status: "succeeded", slug_id: expect.any(String), release_id: expect.any(String) });
    // The build ended, so its dyno is closed: the dyno manager stops it.
    expect((await latestBuildRun(api.db, build.id))?.state).toBe("complete");
  });

  it("refuses a replayed result after success or failure (403), and makes nothing", async () => {
    for (const first of [succeeded(), { status: "failed", message: "it broke" }]) {
      const { build, token } = await pendingBuild();
      expect((await post(build.id, token, first)).status).toBe(204);
      const [releases, slugs] = [await releaseCount(), await slugCount()];
      for (const replay of [succeeded(), { status: "failed", message: "again" }]) {
        const answer = await post(build.id, token, replay);
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.body).message).toMatch(/^Build \S+ has (succeeded|failed); its token no longer grants access\.$/);
      }
      expect([await releaseCount(), await slugCount()]).toEqual([releases, slugs]);
      expect((await latestBuildRun(api.db, build.id))?.state).toBe("complete");
    }
  });

  it("fails a build whose result names a slug it did not upload itself (none, or another app's), and makes no release", async () => {
    const other = (await api.blobs.put(Readable.from(["another app's slug"]))).checksum;
    for (const named of [`SHA256:${"0".repeat(64)}`, other]) {
      const { build, token } = await pendingBuild({ upload: false });
      const releases = await releaseCount();
      expect((await post(build.id, token, { ...succeeded(), checksum: named })).status).toBe(204);
      const row = (await api.db.query("SELECT status, failure_message FROM builds WHERE id = $1", [build.id])).rows[0];
      expect(row).toEqual({ status: "failed", failure_message: "the builder reported a slug it never uploaded" });
      expect(await releaseCount()).toBe(releases);
    }
  });

  it("takes a slug in layers: a runtime layer only once per app, another app's only with a proof of holding its bytes (never by its checksum), and the slug's checksum of its layers joined", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ouro-results-layers-"));
    try {
      await mkdir(join(dir, "app", ".heroku", "node"), { recursive: true });
      await writeFile(join(dir, "app", ".heroku", "node", "node"), "a runtime\n");
      await writeFile(join(dir, "app", "Procfile"), "worker: run\n");
      const packed = await packSlugLayers({ buildDir: join(dir, "app"), outDir: join(dir, "out"), exclude: [] });
      const [runtime, top] = packed.layers as [PackedLayer, PackedLayer];
      const { checksum: joined } = await joinedDigest(packed.layers.map((l) => l.path));
      const call = (buildId: string, token: string, method: string, path: string, body?: PackedLayer) =>
        fetch(`${api.url}/internal/builds/${buildId}/${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: body && readFileSync(body.path) })
          .then(async (response) => ({ status: response.status, body: await response.text() }));

      // The first build: the API lacks the runtime, and the slug may not name it before it is uploaded.
      const first = await pendingBuild({ upload: false });
      expect((await call(first.build.id, first.token, "HEAD", `layers/${runtime.checksum}`)).status).toBe(404);
      const early = await call(first.build.id, first.token, "PUT", `slug?layers=${runtime.checksum}`, top);
      expect([early.status, early.body]).toEqual([403, expect.stringContaining("is not this build's to use: upload it first")]);
      expect(JSON.parse((await call(first.build.id, first.token, "PUT", "layers", runtime)).body)).toMatchObject({ checksum: runtime.checksum });
      expect((await call(first.build.id, first.token, "HEAD", `layers/${runtime.checksum}`)).status).toBe(200);
      const stored = await call(first.build.id, first.token, "PUT", `slug?layers=${runtime.checksum}`, top);
      expect(JSON.parse(stored.body)).toEqual({ checksum: joined, size: packed.size, layers: [runtime.checksum, top.checksum] });
      expect((await post(first.build.id, first.token, { ...succeeded(), checksum: joined })).status).toBe(204);
      const row = (await api.db.query("SELECT s.checksum, s.layers, s.size FROM builds b JOIN slugs s ON s.id = b.slug_id WHERE b.id = $1", [first.build.id])).rows[0];
      expect(row).toEqual({ checksum: joined, layers: [runtime.checksum, top.checksum], size: packed.size });

      // The app's next build finds the runtime there, and uploads only its own layer.
      const next = await pendingBuild({ upload: false });
      expect((await call(next.build.id, next.token, "HEAD", `layers/${runtime.checksum}`)).status).toBe(200);
      expect((await call(next.build.id, next.token, "PUT", `slug?layers=${runtime.checksum}`, top)).status).toBe(200);

      // Another app's build that learned the checksum gets nothing by it.
      const stranger = await api.createApp(uniqueName("stranger"));
      const theirs = await createBuild(api.db, { appId: stranger.id, userId: null, sourceChecksum: checksum, sourceVersion: null });
      const theirToken = scopedToken(api.deps.config.secrets.tokenSecret, buildScope(theirs.id));
      expect((await call(theirs.id, theirToken, "HEAD", `layers/${runtime.checksum}`)).status).toBe(404);
      expect((await call(theirs.id, theirToken, "PUT", `slug?layers=${runtime.checksum}`, top)).status).toBe(403);

      // It may use it once it shows it holds the very bytes (the same runtime, packed the same):
      // an HMAC of the layer under a challenge of its own build's, for that layer.
      const challengeOf = async (buildId: string, token: string, layer: string) =>
        (await fetch(`${api.url}/internal/builds/${buildId}/layers/${layer}`, { method: "HEAD", headers: { authorization: `Bearer ${token}` } })).headers.get(LAYER_CHALLENGE_HEADER);
      const prove = (buildId: string, token: string, layer: string, proof: string) =>
        fetch(`${api.url}/internal/builds/${buildId}/layers/${layer}/proof`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ proof }),
        }).then(async (response) => ({ status: response.status, body: await response.text() }));
      const proofOf = async (challenge: string, layer: Buffer) => (await layerProof(challenge, [layer])).toString("hex");
      const challenge = await challengeOf(theirs.id, theirToken, runtime.checksum);
      expect(challenge).toMatch(/^[0-9a-f]{64}$/);
      // Not by the checksum, nor by other bytes, nor under another build's challenge.
      const wrong = await prove(theirs.id, theirToken, runtime.checksum, runtime.checksum.slice(7));
      expect([wrong.status, wrong.body]).toEqual([403, expect.stringContaining("does not match")]);
      expect((await prove(theirs.id, theirToken, runtime.checksum, await proofOf(challenge!, readFileSync(top.path)))).status).toBe(403);
      const another = await createBuild(api.db, { appId: stranger.id, userId: null, sourceChecksum: checksum, sourceVersion: null });
      const anothers = await challengeOf(another.id, scopedToken(api.deps.config.secrets.tokenSecret, buildScope(another.id)), runtime.checksum);
      expect(anothers).not.toBe(challenge);
      expect((await prove(theirs.id, theirToken, runtime.checksum, await proofOf(anothers!, readFileSync(runtime.path)))).status).toBe(403);
      expect((await call(theirs.id, theirToken, "PUT", `slug?layers=${runtime.checksum}`, top)).status).toBe(403);
      // A blob that was never checked as a layer (an upload, a source) has no challenge and takes no proof.
      const unchecked = (await api.blobs.put(Readable.from([readFileSync(runtime.path).subarray(0, 100)]))).checksum;
      expect(await challengeOf(theirs.id, theirToken, unchecked)).toBeNull();
      expect((await prove(theirs.id, theirToken, unchecked, "0".repeat(64))).status).toBe(404);
      // The right proof: the layer is this build's to use, as if it had uploaded it.
      expect((await prove(theirs.id, theirToken, runtime.checksum, await proofOf(challenge!, readFileSync(runtime.path)))).status).toBe(204);
      expect((await call(theirs.id, theirToken, "HEAD", `layers/${runtime.checksum}`)).status).toBe(200);
      expect((await call(theirs.id, theirToken, "PUT", `slug?layers=${runtime.checksum}`, top)).status).toBe(200);

      // A layer that cannot be joined below another (a plain gzip: its tar's end not a member of its own) is refused.
      const plain = await call(theirs.id, theirToken, "PUT", "layers", { path: await writeTemp(dir, await slug), checksum: "", size: 0 });
      expect([plain.status, plain.body]).toEqual([422, expect.stringContaining("must end with the tar's end as a gzip member of its own")]);
      const bad = await call(theirs.id, theirToken, "PUT", "slug?layers=nonsense", top);
      expect([bad.status, bad.body]).toEqual([422, expect.stringContaining("comma-separated checksums")]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("starts one dyno for a build however many workers ask at once; a build whose dyno ended without a result fails, never runs twice", async () => {
    const builder = await api.createApp("builder");
    await api.recordDeploy(builder, {}, { worker: "node apps/builder/main.ts", build: "node apps/builder/build-main.ts" });
    const build = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: checksum, sourceVersion: null });
    const asked = await Promise.all([1, 2, 3].map(() => api.builds.dynos.start(build)));
    expect(new Set(asked.map((dyno) => dyno.name)).size).toBe(1);
    expect(asked[0]).toMatchObject({ name: "build.1", state: "pending", buildStatus: "pending" });
    const runs = (await api.db.query("SELECT env FROM runs WHERE build_id = $1", [build.id])).rows;
    expect(runs).toHaveLength(1);
    expect(Object.keys(runs[0].env).sort()).toEqual(["OURO_API_URL", "OURO_BUILD_ID", "OURO_BUILD_TOKEN"]);

    // Its dyno died while no worker watched; the next worker to ask finds that out.
    await markRun(api.db, (await latestBuildRun(api.db, build.id))!.id, { state: "complete", exitCode: 137 });
    expect(await api.builds.dynos.start(build)).toMatchObject({ state: "complete", exitCode: 137, buildStatus: "failed" });
    expect((await api.db.query("SELECT count(*)::int AS n FROM runs WHERE build_id = $1", [build.id])).rows[0].n).toBe(1);
    const row = (await api.db.query("SELECT failure_message FROM builds WHERE id = $1", [build.id])).rows[0];
    expect(row.failure_message).toMatch(/^The build ended without a result: build\.1 exited with code 137/);
  });

  it("stops, at the next sweep, the dyno of a build that ended while closing its dyno failed; a pending build's dyno runs on", async () => {
    const ended = await pendingBuild({ upload: false });
    const running = await pendingBuild({ upload: false });
    // As if the close after the build's end had been lost to a blip.
    await finishBuild(api.db, ended.build.id, { status: "failed", message: "it broke" });
    expect(await api.builds.dynos.closeEnded()).toBeGreaterThanOrEqual(1);
    expect((await latestBuildRun(api.db, ended.build.id))?.state).toBe("complete");
    expect((await latestBuildRun(api.db, running.build.id))?.state).toBe("pending");
  });

  it("refuses a slug with a setuid file (422, naming it), and records nothing a result could name", async () => {
    const { build, token } = await pendingBuild({ upload: false });
    const setuid = await tarOf([{ name: "./", type: "directory", mode: 0o755 }, { name: "./bin/rootshell", type: "file", mode: 0o4755, uid: 0, gid: 0, body: "x" }], { gzip: true });
    const put = await fetch(`${api.url}/internal/builds/${build.id}/slug`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(setuid) });
    expect(put.status).toBe(422);
    expect(await put.json()).toMatchObject({ id: "invalid_params", message: expect.stringMatching(/"\.\/bin\/rootshell" has a setuid or setgid bit/) });
    const row = (await api.db.query("SELECT uploaded_checksum FROM builds WHERE id = $1", [build.id])).rows[0];
    expect(row).toEqual({ uploaded_checksum: null });
  });

  it("refuses a slug whose first entry is refused however much follows (422), reading the upload to its end", async () => {
    const { build, token } = await pendingBuild({ upload: false });
    // Far more than the check's side buffers once it stopped reading: the upload must flow on.
    const setuid = await tarOf([
      { name: "./", type: "directory", mode: 0o755 },
      { name: "./bin/rootshell", type: "file", mode: 0o4755, uid: 0, gid: 0, body: "x" },
      { name: "./data", type: "file", mode: 0o644, body: randomBytes(8 * 1024 * 1024) },
    ], { gzip: true });
    const put = await fetch(`${api.url}/internal/builds/${build.id}/slug`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(setuid) });
    expect(put.status).toBe(422);
    expect(await put.json()).toMatchObject({ id: "invalid_params", message: expect.stringMatching(/"\.\/bin\/rootshell" has a setuid or setgid bit/) });
    expect((await api.db.query("SELECT uploaded_checksum FROM builds WHERE id = $1", [build.id])).rows[0]).toEqual({ uploaded_checksum: null });
  }, 60_000);

  it("refuses a slug larger than the API takes (413), and keeps nothing of it", async () => {
    const { build, token } = await pendingBuild({ upload: false });
    const limit = api.builds.slugSizeLimitBytes;
    const body = Readable.from((function* () {
      for (let sent = 0; sent <= limit; sent += 1024 * 1024) yield Buffer.alloc(1024 * 1024);
    })());
    const put = await fetch(`${api.url}/internal/builds/${build.id}/slug`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: "half",
    } as RequestInit).catch((error: Error) => error);
    // The API answers 413 as soon as the limit is passed, or drops the connection mid-body.
    if (!(put instanceof Error)) expect(put.status).toBe(413);
    const row = (await api.db.query("SELECT uploaded_checksum FROM builds WHERE id = $1", [build.id])).rows[0];
    expect(row).toEqual({ uploaded_checksum: null });
  }, 60_000);

  it("shows at most 4 MB of a build's output, each line cut at 10,000 bytes, then says the rest is not shown", async () => {
    const build = await createBuild(api.db, { appId: app.id, userId: null, sourceChecksum: checksum, sourceVersion: null });
    const redis = new Redis(redisUrl(api.deps.config));
    try {
      await api.builds.output(build, app, `${"w".repeat(25_000)}\n`);
      const chunk = `${"x".repeat(1000)}\n`.repeat(100);
      for (let i = 0; i < 50; i++) await api.builds.output(build, app, chunk);
      const entries = (await redis.xrange(`ouro:build:${build.id}`, "-", "+")) as [string, string[]][];
      const texts = entries.map(([, fields]) => (JSON.parse(fields[1]!) as { text: string }).text);
      expect(texts[0]).toBe("w".repeat(10_000));
      const shown = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
      expect(shown).toBeLessThanOrEqual(OUTPUT_LIMIT);
      expect(shown).toBeGreaterThan(OUTPUT_LIMIT * 0.9);
      expect(texts.at(-1)).toBe(" !     This build's output passed 4 MB; the rest is not shown.");
      expect(texts.filter((text) => text.includes("the rest is not shown"))).toHaveLength(1);
    } finally {
      await redis.del(`ouro:build:${build.id}`, `ouro:build:${build.id}:output-bytes`);
      redis.disconnect();
    }
  }, 30_000);
});
