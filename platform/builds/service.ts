// The build service's kernel side: takes a pushed source, queues it for the
// builder app, and turns the builder's result into a slug and a release.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Readable } from "node:stream";
import { type BlobStore, blobSize } from "../blobs/index.ts";
import type { Config } from "../lib/config.ts";
import { type Log, background } from "../lib/background.ts";
import { scopedToken } from "../lib/tokens.ts";
import type { BuildJob, BuildResult } from "../lib/build-contract.ts";
import {
  type AppRow,
  type BuildRow,
  type Db,
  type ReleaseRow,
  appBuildpacks,
  createBuild,
  createRelease,
  createSlug,
  currentRelease,
  expiredBuilds,
  finishBuild,
  getBuild,
  getSlug,
  listDynos,
  listFormation,
} from "../db/index.ts";
import { appendLog } from "../logs/index.ts";
import { emitBuildEvent } from "./events.ts";
import { runReleasePhase } from "./release-phase.ts";

export interface BuildServiceDeps {
  config: Config;
  db: Db;
  redis: Redis;
  queue: Queue<BuildJob>;
  blobs: BlobStore;
  /** Tells the dyno manager that an app's desired state changed. */
  notifyFormation: (app: string) => Promise<void>;
  log?: Log;
  /** How long a build may stay pending; default OURO_BUILD_TIMEOUT seconds, else 15 minutes. */
  buildTimeoutMs?: number;
}

const DEPLOY_TIMEOUT_MS = 120_000;

export function createBuildService(deps: BuildServiceDeps) {
  const { db, redis, blobs, config } = deps;
  const log = deps.log ?? ((text: string) => console.log(text));
  const buildTimeoutMs = deps.buildTimeoutMs ?? Number(process.env.OURO_BUILD_TIMEOUT ?? 15 * 60) * 1000;

  async function line(build: { id: string }, app: string, text: string) {
    await emitBuildEvent(redis, build.id, { type: "line", text });
    await appendLog(redis, app, { source: "app", dyno: "build", line: text });
  }

  async function fail(build: BuildRow, app: string, message: string) {
    if (!(await finishBuild(db, build.id, { status: "failed", message }))) return;
    await line(build, app, ` !     ${message}`);
    await emitBuildEvent(redis, build.id, { type: "done", ok: false, message });
  }

  /** Waits until the release's web dynos are up, so a push ends on a serving app. */
  async function awaitDeploy(build: BuildRow, app: AppRow, version: number): Promise<{ ok: boolean; message: string }> {
    const web = (await listFormation(db, app.id)).find((f) => f.type === "web");
    if (!web || web.quantity === 0) return { ok: true, message: `Released v${version}` };
    await line(build, app.name, `-----> Starting ${web.quantity} web dyno(s) of v${version}...`);
    const deadline = Date.now() + DEPLOY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const dynos = (await listDynos(db, app.id)).filter((d) => d.type === "web" && d.release_version === version);
      const crashed = dynos.find((d) => d.state === "crashed");
      if (crashed) {
        return {
          ok: false,
          message: `${crashed.name} of v${version} crashed before it accepted connections on $PORT; the previous release keeps serving. See \`ouro logs -a ${app.name}\`.`,
        };
      }
      if (dynos.filter((d) => d.state === "up").length >= web.quantity) {
        return { ok: true, message: `Deployed v${version}` };
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return { ok: false, message: `web dynos of v${version} were not up after ${DEPLOY_TIMEOUT_MS / 1000} s` };
  }

  async function releaseBuild(build: BuildRow, app: AppRow, result: BuildResult): Promise<void> {
    if (result.status === "failed") return fail(build, app.name, result.message);
    // A result for a build that already ended (timed out, failed, replayed) makes nothing.
    if ((await getBuild(db, build.id)).status !== "pending") return;
    if (!blobs.has(result.checksum)) return fail(build, app.name, "the builder reported a slug it never uploaded");
    const slug = await createSlug(db, {
      app_id: app.id,
      checksum: result.checksum,
      size: blobSize(blobs.path(result.checksum)),
      process_types: result.processTypes,
      commit: build.source_version,
      stack: result.stack,
      buildpack_description: result.buildpackDescription,
    });
    const releaseCommand = result.processTypes.release;
    const release = await createRelease(db, {
      appId: app.id,
      slugId: slug.id,
      description: `Deploy ${build.source_version?.slice(0, 8) ?? build.id.slice(0, 8)}`,
      userId: build.user_id,
      status: releaseCommand ? "pending" : "succeeded",
    });
    if (!(await finishBuild(db, build.id, { status: "succeeded", slugId: slug.id, releaseId: release.id }))) return;
    if (releaseCommand) {
      const phase = await runReleasePhase(deps, {
        app,
        release,
        command: releaseCommand,
        emit: (text) => line(build, app.name, text),
      });
      if (!phase.ok) {
        await line(build, app.name, ` !     ${phase.message}`);
        return emitBuildEvent(redis, build.id, { type: "done", ok: false, message: phase.message });
      }
    }
    await line(build, app.name, `-----> Released v${release.version}`);
    await deps.notifyFormation(app.name);
    const outcome = await awaitDeploy(build, app, release.version);
    if (outcome.ok) {
      await line(build, app.name, `       http://${app.name}.${config.domain}:${config.routerPort}/ deployed to Ouro`);
    } else {
      await line(build, app.name, ` !     ${outcome.message}`);
    }
    await emitBuildEvent(redis, build.id, { type: "done", ...outcome });
  }

  /** The release phase of a config release, in the background: the outcome lands in the app's log and the release. */
  function releaseConfig(app: AppRow, release: ReleaseRow, command: string): void {
    const note = (text: string) => appendLog(redis, app.name, { source: "ouro", dyno: "release", line: text });
    background(log, `${app.name}: the release phase of v${release.version}`, async () => {
      const outcome = await runReleasePhase(deps, { app, release, command, emit: note });
      log(`${app.name}: ${outcome.message}`);
      await note(outcome.message);
    });
  }

  return {
    async start(opts: { app: AppRow; userId: string | null; source: Readable; version: string | null }) {
      const source = await blobs.put(opts.source);
      const build = await createBuild(db, {
        appId: opts.app.id,
        userId: opts.userId,
        sourceChecksum: source.checksum,
        sourceVersion: opts.version,
        deadline: new Date(Date.now() + buildTimeoutMs),
      });
      await line(build, opts.app.name, `-----> Build ${build.id} queued for the builder`);
      await deps.queue.add(
        "build",
        {
          buildId: build.id,
          app: opts.app.name,
          token: scopedToken(config.secrets.tokenSecret, `build:${build.id}`),
          env: opts.app.config,
          buildEnv: config.npmRegistry ? { NPM_CONFIG_REGISTRY: config.npmRegistry } : {},
          buildpacks: await appBuildpacks(db, opts.app.id),
        },
        { jobId: build.id, removeOnComplete: 100, removeOnFail: 100 },
      );
      return build;
    },

    /**
     * Fails every build still pending past its deadline (stored with the build, so a
     * build whose API died is failed by the next API). Run at start and periodically.
     */
    async failExpiredBuilds(): Promise<number> {
      const expired = await expiredBuilds(db);
      for (const build of expired) {
        const minutes = Math.round((build.deadline_at.getTime() - build.created_at.getTime()) / 60_000);
        await fail(build, build.app_name, `build timed out: it was still pending at its deadline (${minutes} minutes after it was queued)`);
        log(`${build.app_name}: build ${build.id} failed: past its deadline`);
      }
      return expired.length;
    },

    /**
     * A job BullMQ gave up on (the builder threw, or its dyno died mid-build more
     * often than the queue allows) fails its build with the reason, so no build
     * stays pending. A dyno that died once is retried by BullMQ on its own.
     */
    async jobFailed(buildId: string, reason: string) {
      const build = await getBuild(db, buildId).catch(() => undefined);
      if (build?.status !== "pending") return;
      const app = (await db.query<{ name: string }>("SELECT name FROM apps WHERE id = $1", [build.app_id])).rows[0];
      if (app) await fail(build, app.name, `the builder could not finish this build: ${reason}`);
    },

    /**
     * The one path for a config change (config:set, an add-on attached or detached): a new
     * release, and, when the current slug has a `release` process type, the release phase,
     * in the background; otherwise the formation moves at once.
     */
    async releaseConfigChange(change: {
      app: AppRow;
      changes: Record<string, string | null>;
      description: string;
      userId: string | null;
    }): Promise<ReleaseRow> {
      const { app } = change;
      const current = await currentRelease(db, app.id);
      const command = current?.slug_id ? (await getSlug(db, app.id, current.slug_id)).process_types.release : undefined;
      const release = await createRelease(db, {
        appId: app.id,
        configChanges: change.changes,
        description: change.description,
        userId: change.userId,
        status: command ? "pending" : "succeeded",
      });
      if (command) releaseConfig(app, release, command);
      else await deps.notifyFormation(app.name);
      return release;
    },

    async output(build: BuildRow, app: AppRow, text: string) {
      for (const part of text.replace(/\r?\n$/, "").split(/\r?\n/)) await line(build, app.name, part);
    },

    /**
     * Turns a builder's result into a release. Whatever goes wrong on the way, the push
     * that waits on this build is told, and the build does not stay pending.
     */
    async finish(build: BuildRow, app: AppRow, result: BuildResult): Promise<void> {
      try {
        await releaseBuild(build, app, result);
      } catch (error) {
        const message = `Ouro could not release this build: ${(error as Error).message}`;
        log(`${app.name}: build ${build.id}: ${(error as Error).stack}`);
        await fail(build, app.name, message);
        await emitBuildEvent(redis, build.id, { type: "done", ok: false, message });
      }
    },
  };
}

export type BuildService = ReturnType<typeof createBuildService>;
