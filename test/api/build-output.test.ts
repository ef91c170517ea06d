// A build's and a release's output_stream_url through the real API (in-process, throwaway
// database, the platform's Redis), with build events and release-phase log lines written as the
// platform writes them: a build's URL streams its output from its first line to the build's end,
// plain or as Server-Sent Events (resumed with Last-Event-ID); it is refused altered, past its
// hour, to a user who lost the app, and once the output is no longer kept. A release's URL (only
// for a release that ran a release phase) streams its release phase's output to its end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitBuildEvent } from "../../platform/builds/index.ts";
import {
  type AppRow,
  type BuildRow,
  addCollaborator,
  createApiKey,
  createBuild,
  createRelease,
  createRun,
  endRelease,
  ensureUser,
  finishBuild,
  markRun,
  removeCollaborator,
} from "../../platform/db/index.ts";
import { appendLog, deleteLogs } from "../../platform/logs/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("a build's output_stream_url", () => {
  let api: InProcessApi;
  let url = "";
  let app: AppRow;
  let now = new Date();
  const redisKeys: string[] = [];

  async function newBuild(): Promise<BuildRow> {
    const build = await createBuild(api.db, { appId: app.id, userId: api.user.id, sourceChecksum: "SHA256:" + "0".repeat(64), sourceVersion: null });
    redisKeys.push(`ouro:build:${build.id}`);
    return build;
  }
  async function outputUrl(build: BuildRow, key = api.key): Promise<string> {
    const read = await jsonRequest<{ output_stream_url: string }>({ base: url, key }, "GET", `/apps/${app.name}/builds/${build.id}`);
    expect(read.status).toBe(200);
    return read.body.output_stream_url;
  }
  const here = (made: string) => made.replace(/^http:\/\/127\.0\.0\.1:\d+/, url);
  const line = (build: BuildRow, text: string) => emitBuildEvent(api.deps.redis, build.id, { type: "line", text });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_build_output_test", clock: () => now });
    url = api.url;
    app = await api.createApp(uniqueName("output"));
  });
  afterAll(async () => {
    if (redisKeys.length > 0) await api?.deps.redis.del(...redisKeys);
    if (app) await deleteLogs(api.deps.redis, app.name);
    await api?.close();
  });

  it("streams a finished build's output whole, each line once, and ends", async () => {
    const build = await newBuild();
    await line(build, "-----> Building on the Heroku-24 stack");
    await line(build, "-----> Node.js app detected\n       Using npm 10");
    await line(build, "-----> Released v1");
    await emitBuildEvent(api.deps.redis, build.id, { type: "done", ok: true, message: "" });
    await finishBuild(api.db, build.id, { status: "failed", message: "(the outcome is not the stream's)" });

    const stream = await outputUrl(build);
    // The port the platform's API listens on, for a client on the host; the test's server is another.
    expect(stream).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/build-outputs/${build.id}\\?user_id=${api.user.id}&expires=\\d+&token=[0-9a-f]{64}$`));
    const res = await fetch(stream.replace(/^http:\/\/127\.0\.0\.1:\d+/, url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("-----> Building on the Heroku-24 stack\n-----> Node.js app detected\n       Using npm 10\n-----> Released v1\n");
  });

  it("follows a running build: lines written after it was opened arrive, and it ends with the build", async () => {
    const build = await newBuild();
    await line(build, "-----> first");
    const res = await fetch((await outputUrl(build)).replace(/^http:\/\/127\.0\.0\.1:\d+/, url));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (wanted: string) => {
      while (!text.includes(wanted)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${JSON.stringify(wanted)}: ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await until("-----> first\n");
    await line(build, "-----> second");
    await until("-----> second\n");
    await line(build, " !     it broke");
    await emitBuildEvent(api.deps.redis, build.id, { type: "done", ok: false, message: "it broke" });
    await until(" !     it broke\n");
    expect((await reader.read()).done).toBe(true);
    expect(text).toBe("-----> first\n-----> second\n !     it broke\n");
  });

  it("stays open while the build's release deploys with nothing to say, and ends without `done` once the build has settled (its API died)", async () => {
    const read = async (stream: string, onFirst: () => Promise<void>) => {
      const reader = (await fetch(here(stream))).body!.getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await reader.read()).value);
      await onFirst();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
      return text;
    };
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // Built, its release still starting its web dynos for longer than two quiet spells (5 s each).
    const deploying = await newBuild();
    const release = await createRelease(api.db, { appId: app.id, description: "Deploy", userId: null, status: "deploying" });
    await line(deploying, "-----> Launching...");
    await api.db.query("UPDATE builds SET status = 'succeeded', release_id = $2 WHERE id = $1", [deploying.id, release.id]);
    const waited = read(await outputUrl(deploying), async () => {
      await wait(11_000);
      await line(deploying, "-----> Released v1");
      await emitBuildEvent(api.deps.redis, deploying.id, { type: "done", ok: true, message: "" });
    });

    // Failed, its `done` never written: the stream ends once it has seen the build settled twice.
    const orphan = await newBuild();
    await line(orphan, "-----> a build whose API died");
    await finishBuild(api.db, orphan.id, { status: "failed", message: "the API died" });
    const started = Date.now();
    const orphaned = await read(await outputUrl(orphan), async () => {});
    expect(orphaned).toBe("-----> a build whose API died\n");
    expect(Date.now() - started).toBeLessThan(20_000);

    expect(await waited).toBe("-----> Launching...\n-----> Released v1\n");
    await endRelease(api.db, release.id, { status: "succeeded" });
  }, 40_000);

  it("answers Server-Sent Events with entry ids, and resumes after Last-Event-ID", async () => {
    const build = await newBuild();
    for (const text of ["one", "two\nthree", "four"]) await line(build, text);
    await emitBuildEvent(api.deps.redis, build.id, { type: "done", ok: true, message: "" });
    const stream = (await outputUrl(build)).replace(/^http:\/\/127\.0\.0\.1:\d+/, url);
    const whole = await fetch(stream, { headers: { Accept: "text/event-stream" } });
    expect(whole.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = (await whole.text()).split("\n\n").filter(Boolean);
    expect(events.map((e) => e.replace(/^id: \d+-\d+\n/, ""))).toEqual(["data: one", "data: two\ndata: three", "data: four"]);
    const secondId = /^id: (\d+-\d+)/.exec(events[1]!)![1]!;
    const resumed = await fetch(stream, { headers: { Accept: "text/event-stream", "Last-Event-ID": secondId } });
    expect((await resumed.text()).replace(/id: \d+-\d+\n/g, "")).toBe("data: four\n\n");
  });

  it("refuses a URL altered or made for another build (401), past its hour (403), to a user who lost the app (404), and gone output (410)", async () => {
    const build = await newBuild();
    await line(build, "kept");
    await emitBuildEvent(api.deps.redis, build.id, { type: "done", ok: true, message: "" });
    await finishBuild(api.db, build.id, { status: "failed", message: "x" });
    const other = await newBuild();
    const stream = (await outputUrl(build)).replace(/^http:\/\/127\.0\.0\.1:\d+/, url);
    const status = async (target: string) => (await fetch(target)).status;

    expect(await status(stream.replace(/user_id=[^&]+/, `user_id=${(await ensureUser(api.db, "output-other@example.com")).id}`))).toBe(401);
    expect(await status(stream.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 3_600_000}`))).toBe(401);
    expect(await status(stream.replace(build.id, other.id))).toBe(401);
    const saved = now;
    now = new Date(now.getTime() + 3_600_000);
    expect(await status(stream)).toBe(403);
    now = saved;

    // A collaborator's URL works while they are one.
    const collaborator = await ensureUser(api.db, "output-collaborator@example.com");
    await addCollaborator(api.db, app, collaborator);
    const theirs = (await outputUrl(build, await createApiKey(api.db, collaborator.id))).replace(/^http:\/\/127\.0\.0\.1:\d+/, url);
    expect(await status(theirs)).toBe(200);
    await removeCollaborator(api.db, app, collaborator);
    const refused = await fetch(theirs);
    expect([refused.status, ((await refused.json()) as { message: string }).message]).toEqual([404, "This build output URL's user can no longer read this app."]);

    await api.deps.redis.del(`ouro:build:${build.id}`);
    const gone = await fetch(stream);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { message: string }).message).toMatch(/^This build's output is no longer kept \(Ouro keeps it a day\)/);
  });

  describe("a release's", () => {
    const releaseUrl = async (version: number) =>
      (await jsonRequest<{ output_stream_url: string | null }>({ base: url, key: api.key }, "GET", `/apps/${app.name}/releases/${version}`)).body.output_stream_url;

    it("is null for a release with no release phase, and streams a release phase's output to its end", async () => {
      const first = await api.recordDeploy(app, {}, { web: "serve" });
      expect(await releaseUrl(first.version)).toBeNull();

      const second = await api.recordDeploy(app, {}, { web: "serve", release: "migrate" });
      const run = await createRun(api.db, { appId: app.id, command: "migrate", type: "release", releaseVersion: second.version });
      const dyno = `release.${run.number}`;
      await appendLog(api.deps.redis, app.name, { source: "app", dyno, line: "Migrating 1 of 2" });
      await appendLog(api.deps.redis, app.name, { source: "app", dyno: "web.1", line: "not the release phase's" });
      const stream = await releaseUrl(second.version);
      expect(stream).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/release-outputs/${second.id}\\?user_id=${api.user.id}&expires=\\d+&token=[0-9a-f]{64}$`));

      const res = await fetch(here(stream!));
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("Migrating 1 of 2\n")) text += decoder.decode((await reader.read()).value, { stream: true });
      await appendLog(api.deps.redis, app.name, { source: "app", dyno, line: "Migrating 2 of 2" });
      await markRun(api.db, run.id, { state: "complete", exitCode: 0 });
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
      expect(text).toBe("Migrating 1 of 2\nMigrating 2 of 2\n");

      // Read again once it has ended: the whole output, and the end.
      expect(await (await fetch(here(stream!))).text()).toBe("Migrating 1 of 2\nMigrating 2 of 2\n");
    });

    it("answers 404 while its release phase has not started, as heroku's CLI expects", async () => {
      const release = await api.recordDeploy(app, {}, { web: "serve", release: "migrate" });
      const res = await fetch(here((await releaseUrl(release.version))!));
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toBe(`The release command of v${release.version} has not started yet.`);
    });
  });
});
