// The builder worker and a build dyno against their own redis-server (on a free port) and the
// real API in-process on a throwaway database. The build service queues the job as a push does;
// the worker asks the API for a build dyno and watches it; the test plays the dyno manager,
// running each build dyno the API opens in-process with exactly that run's environment; the
// build dyno builds with the fixture buildpacks through the /internal/builds routes and its
// build's token, and the API turns the result into a slug and a release.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomUUID } from "node:crypto";
import type { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createBuildWorker, createBuilderApi, processBuild } from "../../apps/builder/index.ts";
import { type BuildEvent, followBuildEvents } from "../../platform/builds/index.ts";
import { type AppRow, type RunRow, getApp, markRun } from "../../platform/db/index.ts";
import { BUILD_DYNO_ENV, STANDBY_DYNO_ENV } from "../../platform/lib/build-contract.ts";
import { awaitBuild } from "../../apps/builder/standby.ts";
import { BUILDER_SCOPE, scopedToken } from "../../platform/lib/tokens.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest } from "../support/platform.ts";
import { requireCommand } from "../support/requirements.ts";
import { fixtureBuildpacks, tarOf } from "./helpers.ts";

async function tarBuffer(entries: Parameters<typeof tarOf>[0]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarOf(entries)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Build {
  id: string;
  status: string;
  failure_message: string | null;
  slug: { id: string } | null;
}

describe("builder worker and build dyno (real Redis, the real API in-process)", () => {
  const queueName = `builds-test-${randomUUID().slice(0, 8)}`;
  const logs: string[] = [];
  /** Each build dyno the test's dyno manager started: its run, and the env it was given. */
  const dynos: { run: RunRow; env: Record<string, string> }[] = [];
  /** Build ids whose dyno the test's dyno manager "kills" instead of running. */
  const killed = new Set<string>();
  let redisUrl: string;
  let redis: ChildProcess;
  let api: InProcessApi;
  let worker: Worker;
  let app: AppRow;
  let buildpacksDir = "";
  let stopDynoManager = async () => {};
  const dynoManagerErrors: Error[] = [];
  const call = <T>(method: string, path: string, body?: unknown) => jsonRequest<T>({ base: api.url, key: api.key }, method, path, body);

  /** A push of `source`: queued by the build service, followed on its event stream until done. */
  async function push(source: Buffer) {
    const build = await api.builds.start({ app, userId: api.user.id, source: Readable.from(source), version: null });
    const events: { event: BuildEvent; at: number }[] = [];
    const follower = new Redis(redisUrl);
    try {
      await followBuildEvents(follower, build.id, (event) => events.push({ event, at: Date.now() }), AbortSignal.timeout(20_000));
    } finally {
      follower.disconnect();
    }
    const lines = events.flatMap(({ event, at }) => (event.type === "line" ? [{ text: event.text, at }] : []));
    const done = events.find(({ event }) => event.type === "done");
    return { id: build.id, lines, output: lines.map((l) => l.text).join("\n"), done, shown: (await call<Build>("GET", `/apps/${app.name}/builds/${build.id}`)).body };
  }

  /**
   * The dyno manager's part: each pending build run is started once, in-process, with only its
   * run's env (its API URL pointed at the in-process API, as the network would), then finished
   * with its exit code. A standby run waits for its build first, as build-main.ts does.
   */
  function playDynoManager(): () => Promise<void> {
    let running = true;
    const stopping = new AbortController();
    const started = new Set<string>();
    /** Each run played, its failure kept for afterAll: all awaited when the test's dyno manager stops. */
    const runs: Promise<void>[] = [];
    const play = async (run: RunRow) => {
      await markRun(api.db, run.id, { state: "running" });
      dynos.push({ run, env: run.env });
      const standby = run.env[STANDBY_DYNO_ENV.runId];
      const build = standby
        ? await awaitBuild({ apiUrl: api.url, runId: standby, token: run.env[STANDBY_DYNO_ENV.token]!, log: (line) => logs.push(line), signal: stopping.signal })
        : { buildId: run.env[BUILD_DYNO_ENV.buildId]!, token: run.env[BUILD_DYNO_ENV.token]! };
      let exitCode = 0;
      if (build && killed.has(build.buildId)) exitCode = 137;
      else if (build) {
        const result = await processBuild({ apiUrl: api.url, ...build, buildpacksDir, stack: "test-stack", log: (line) => logs.push(line) }).catch(() => undefined);
        exitCode = result?.status === "succeeded" ? 0 : 1;
      }
      await markRun(api.db, run.id, { state: "complete", exitCode });
    };
    const loop = async () => {
      while (running) {
        const { rows } = await api.db.query<RunRow>("SELECT * FROM runs WHERE (build_id IS NOT NULL OR standby_for IS NOT NULL) AND state = 'pending'");
        for (const run of rows.filter((r) => !started.has(r.id))) {
          started.add(run.id);
          runs.push(
            play(run).catch((error: Error) => {
              dynoManagerErrors.push(error);
            }),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    // A failure here ends the loop; the builds waiting on it then time out, and afterAll says why.
    const done = loop().catch((error: Error) => void dynoManagerErrors.push(error));
    return async () => {
      running = false;
      await done;
      stopping.abort(); // standbys still waiting for a build
      await Promise.all(runs);
    };
  }

  beforeAll(async () => {
    requireCommand("redis-server");
    const port = 20000 + Math.floor(Math.random() * 20000);
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "pipe" });
    await new Promise<void>((resolve, reject) => {
      redis.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept") && resolve());
      redis.on("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
    });
    redisUrl = `redis://127.0.0.1:${port}`;
    api = await inProcessApi({ prefix: "builder_worker", redisUrl, buildQueue: queueName });

    // The fixture buildpacks, with `hello` taking a second after its greeting, so that output can
    // be seen arriving while the build runs.
    buildpacksDir = await mkdtemp(join(tmpdir(), "ouro-worker-buildpacks-"));
    await cp(fixtureBuildpacks, buildpacksDir, { recursive: true });
    const compile = join(buildpacksDir, "hello", "bin", "compile");
    await writeFile(compile, (await readFile(compile, "utf8")).replace("set -euo pipefail\n", "set -euo pipefail\nHELLO_SLEEP=1\n"));

    // The builder app, whose current release has the `build` process type build dynos run.
    const builder = await api.createApp("builder");
    await api.recordDeploy(builder, {}, { worker: "node apps/builder/main.ts", build: "node apps/builder/build-main.ts" });
    worker = createBuildWorker({
      connection: { url: redisUrl, maxRetriesPerRequest: null },
      queue: queueName,
      api: createBuilderApi({ apiUrl: api.url, token: scopedToken(api.deps.config.secrets.tokenSecret, BUILDER_SCOPE) }),
      pollMs: 100,
      log: (line) => logs.push(line),
    });
    stopDynoManager = playDynoManager();

    app = await api.createApp("hello");
    expect((await call("PUT", "/apps/hello/buildpack-installations", { updates: [{ buildpack: "hello" }] })).status).toBe(200);
    expect((await call("PATCH", "/apps/hello/config-vars", { GREETING: "hi" })).status).toBe(200);
    app = await getApp(api.db, app.id); // with its config, as the git hook reads it for a push
    // As if scaled to web=0 beforehand: no dyno manager watches this database, and a release
    // with a web dyno to start would have the build wait for it.
    await api.db.query("INSERT INTO formations (app_id, type, quantity) VALUES ($1, 'web', 0)", [app.id]);
  });

  afterAll(async () => {
    await stopDynoManager();
    expect(dynoManagerErrors, "the test's dyno manager failed").toEqual([]);
    await worker?.close();
    await api?.close();
    redis?.kill();
    if (buildpacksDir) await rm(buildpacksDir, { recursive: true, force: true });
  });

  it("builds in a build dyno, streams output while it runs, uploads slug and cache, and the API releases it", async () => {
    const source = await tarBuffer([{ header: { name: "hello.txt" }, body: "world\n" }]);
    const first = await push(source);
    expect(first.done?.event).toEqual({ type: "done", ok: true, message: "Released v2" });
    expect(first.shown).toMatchObject({ status: "succeeded", failure_message: null });
    const slug = (await call<{ checksum: string; process_types: Record<string, string>; buildpack_provided_description: string }>("GET", `/apps/hello/slugs/${first.shown.slug!.id}`)).body;
    expect(slug).toMatchObject({ buildpack_provided_description: "Hello", process_types: { web: "cat greeting.txt" } });
    expect(slug.checksum).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(api.blobs.has(slug.checksum)).toBe(true);
    expect((await api.db.query("SELECT stack FROM slugs WHERE id = $1", [first.shown.slug!.id])).rows).toEqual([{ stack: "test-stack" }]);
    const releases = (await call<{ version: number; description: string; current: boolean }[]>("GET", "/apps/hello/releases")).body;
    expect(releases.at(-1)).toMatchObject({ version: 2, current: true, description: expect.stringMatching(/^Deploy /) });

    const greeting = first.lines.find((l) => l.text === "-----> Greeting");
    expect(greeting, first.output).toBeDefined();
    expect(first.done!.at - greeting!.at).toBeGreaterThan(700); // arrived before the sleep ended
    expect(first.output).toContain("-----> Launching...");
    expect(first.output).toContain("redis unset"); // the buildpack saw no REDIS_URL
    expect(existsSync(api.blobs.keyedPath(`cache-${app.id}.tar.gz`))).toBe(true);
    expect(logs).toContain(`build ${first.id} app=hello started`);

    // One build dyno of the builder's release served it, holding that build's credential and nothing else.
    const dyno = dynos.find((d) => d.run.build_id === first.id)!;
    expect(dyno.run).toMatchObject({ type: "build", command: "node apps/builder/build-main.ts" });
    expect(Object.keys(dyno.env).sort()).toEqual([BUILD_DYNO_ENV.apiUrl, BUILD_DYNO_ENV.buildId, BUILD_DYNO_ENV.token]);
    expect(dyno.env[BUILD_DYNO_ENV.buildId]).toBe(first.id);
    // The push ends when the API has released; the worker notices at its next look, then the job goes.
    await vi.waitFor(() => expect(logs).toContain(`build ${first.id} app=hello succeeded (build.${dyno.run.number})`));
    await vi.waitFor(async () => expect(await api.queue.getJob(first.id)).toBeUndefined());

    // Once the first build's deploy settled, a build dyno stands by for the app's next build.
    const standby = await vi.waitFor(async () => {
      const { rows } = await api.db.query<RunRow>("SELECT * FROM runs WHERE standby_for = $1 AND build_id IS NULL", [app.id]);
      expect(rows).toHaveLength(1);
      return rows[0]!;
    });
    expect(Object.keys(standby.env).sort()).toEqual([STANDBY_DYNO_ENV.apiUrl, STANDBY_DYNO_ENV.runId, STANDBY_DYNO_ENV.token].sort());

    // The next build of the app is served by it, gets the first one's cache back, and the same slug.
    const second = await push(source);
    expect((await api.db.query<RunRow>("SELECT * FROM runs WHERE build_id = $1", [second.id])).rows.map((r) => r.id)).toEqual([standby.id]);
    expect(logs).toContain(`build ${second.id} app=hello started`);
    expect(second.output).toContain("-----> Restoring cache");
    expect(second.output).toContain("build number 2");
    expect(second.shown.status).toBe("succeeded");
    const again = (await call<{ checksum: string }>("GET", `/apps/hello/slugs/${second.shown.slug!.id}`)).body;
    expect(again.checksum).toBe(slug.checksum);
  }, 30_000);

  it("queues ids only: no config var and no credential on the queue", async () => {
    await worker.pause();
    try {
      const build = await api.builds.start({ app, userId: api.user.id, source: Readable.from(["x"]), version: null });
      const job = await api.queue.getJob(build.id);
      expect(job?.data).toEqual({ buildId: build.id, app: "hello" });
      await api.db.query("UPDATE builds SET status = 'failed' WHERE id = $1", [build.id]);
    } finally {
      worker.resume();
    }
  });

  it("fails the build with what to fix, and the previous release stays current", async () => {
    const source = await tarBuffer([{ header: { name: "../escape" }, body: "x" }]);
    const releases = async () => (await call<{ version: number; current: boolean }[]>("GET", "/apps/hello/releases")).body;
    const before = await releases();
    const { id, shown, done } = await push(source);
    expect(shown.status).toBe("failed");
    expect(shown.failure_message).toMatch(/"..\/escape" has a ".." path component/);
    expect(done?.event).toMatchObject({ type: "done", ok: false, message: shown.failure_message });
    // The build dyno logs its end after posting the result, which is what ends the push.
    await vi.waitFor(() => expect(logs.some((l) => l.startsWith(`build ${id} app=hello failed in `))).toBe(true));
    expect(await releases()).toEqual(before);
  }, 30_000);

  it("fails a build whose dyno died before it reported a result, saying how it ended", async () => {
    const source = await tarBuffer([{ header: { name: "hello.txt" }, body: "world\n" }]);
    const build = await api.builds.start({ app, userId: api.user.id, source: Readable.from(source), version: null });
    killed.add(build.id);
    const events: BuildEvent[] = [];
    const follower = new Redis(redisUrl);
    try {
      await followBuildEvents(follower, build.id, (event) => events.push(event), AbortSignal.timeout(20_000));
    } finally {
      follower.disconnect();
    }
    const shown = (await call<Build>("GET", `/apps/hello/builds/${build.id}`)).body;
    expect(shown.status).toBe("failed");
    expect(shown.failure_message).toMatch(/^The build ended without a result: build\.\d+ exited with code 137 before it reported a result/);
    expect(events.at(-1)).toMatchObject({ type: "done", ok: false });
  }, 30_000);
});
