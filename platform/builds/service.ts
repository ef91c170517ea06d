// The build service's kernel side: takes a pushed source, queues it for the
// builder app, and turns the builder's result into a slug and a release.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Readable } from "node:stream";
import type { BlobStore } from "../blobs/index.ts";
import { joinedSize, slugBlobs } from "../lib/slug-layers.ts";
import type { Config } from "../lib/config.ts";
import { type Log, background } from "../lib/background.ts";
import { type BuildJob, type BuildResult, type BuildSpec, DEFAULT_SLUG_SIZE_LIMIT_MB } from "../lib/build-contract.ts";
import {
  type AppRow,
  type BuildRow,
  type Db,
  type ReleaseRow,
  type AuditEntry,
  appBuildpacks,
  createBuild,
  createRelease,
  expiredBuilds,
  finishBuild,
  getApp,
  getBuild,
  getRelease,
  latestConfig,
  listFormation,
  wantsWebDynos,
  listReleases,
  succeedBuild,
} from "../db/index.ts";
import { appendApiEvent, appendLog, cutLine } from "../logs/index.ts";
import { createBuildDynos } from "./build-dynos.ts";
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
  /** Standby build dynos on the platform at most (build-dynos.ts); default OURO_STANDBY_BUILD_DYNOS, else 2. */
  standbyBuildDynos?: number;
}

const DEPLOY_TIMEOUT_MS = 120_000;

export function createBuildService(deps: BuildServiceDeps) {
  const { db, redis, blobs, config } = deps;
  const log = deps.log ?? ((text: string) => console.log(text));
  const buildTimeoutMs = deps.buildTimeoutMs ?? Number(process.env.OURO_BUILD_TIMEOUT ?? 15 * 60) * 1000;

  async function line(build: { id: string }, app: string, text: string) {
    const cut = cutLine(text);
    await emitBuildEvent(redis, build.id, { type: "line", text: cut });
    await appendLog(redis, app, { source: "app", dyno: "build", line: cut });
  }

  /** Fails a pending build; its dyno (and all the build started) is stopped. False when it had already ended. */
  async function fail(build: BuildRow, app: string, message: string): Promise<boolean> {
    if (!(await finishBuild(db, build.id, { status: "failed", message }))) return false;
    closeDyno(build.id);
    await line(build, app, ` !     ${message}`);
    await emitBuildEvent(redis, build.id, { type: "done", ok: false, message });
    return true;
  }

  const buildDynos = createBuildDynos({
    config,
    db,
    redis,
    standbys: deps.standbyBuildDynos ?? standbysFromEnv(process.env.OURO_STANDBY_BUILD_DYNOS),
    notifyFormation: deps.notifyFormation,
    fail: async (build, message) => fail(build, await appName(build), message),
  });

  /** Once a build's outcome is told: a build dyno stands by for the app's next build, off the critical path. */
  const standBy = (build: BuildRow) => background(log, `starting a standby build dyno after build ${build.id}`, () => buildDynos.standBy(build.app_id));

  // Off the critical path: the pusher hears the outcome even if this fails (then the periodic
  // sweep, dynos.closeEnded, stops the dyno).
  const closeDyno = (buildId: string) => background(log, `stopping the dyno of build ${buildId}`, () => buildDynos.closeEnded(buildId));

  /** The release, in the app's log as Heroku's API says it: what it is, then that it was made. */
  function announce(app: string, release: ReleaseRow): void {
    background(log, `${app}: announcing v${release.version} in its log`, () =>
      appendApiEvent(redis, app, [release.description, `Release v${release.version} created`], release.user_email),
    );
  }

  const appName = async (build: BuildRow) => (await getApp(db, build.app_id).catch(() => undefined))?.name ?? "";

  /**
   * Waits until the dyno manager made the release current (its web dynos accept connections) or
   * failed it (R10, a crash while booting), so a push ends on a serving app or says why not.
   */
  async function awaitDeploy(build: BuildRow, app: AppRow, release: ReleaseRow): Promise<{ ok: boolean; message: string }> {
    await line(build, app.name, `-----> Starting the dynos of v${release.version}; it becomes current once its web dynos accept connections`);
    // Long enough for the app's own boot timeout in each round of boots: one for preboot and
    // parallel, one per batch of web dynos for rolling.
    const bootSeconds = Number(release.config.OURO_BOOT_TIMEOUT) || 60;
    const webs = (await listFormation(db, app.id)).find((f) => f.type === "web")?.quantity ?? 1;
    const rounds = app.strategy === "rolling" ? Math.ceil(Math.max(webs, 1) / Math.max(app.strategy_batch, 1)) : 1;
    const waitMs = Math.max(DEPLOY_TIMEOUT_MS, ((rounds + 1) * Math.min(bootSeconds, 600) + 60) * 1000);
    const deadline = Date.now() + waitMs;
    let watched = release;
    while (Date.now() < deadline) {
      const now = await getRelease(db, app.id, watched.id);
      if (now.status === "succeeded") return { ok: true, message: `Deployed v${now.version}` };
      if (now.status === "failed") {
        // A config change made meanwhile took its place with the same slug: the push deploys as that.
        const successor = (await listReleases(db, app.id)).find((r) => r.version > now.version && r.slug_id === now.slug_id && r.status !== "failed");
        if (successor) {
          watched = successor;
          continue;
        }
        return { ok: false, message: `${now.failure_message ?? `v${now.version} failed`}. See \`ouro logs -a ${app.name}\`.` };
      }
      // Often: the push ends when this sees the release current, and one indexed row is cheap to read.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      ok: false,
      message: `the web dynos of v${watched.version} were not up after ${waitMs / 1000} s; it is still deploying (see \`ouro ps:plan -a ${app.name}\`)`,
    };
  }

  /**
   * A succeeded result, claimed at once: the build leaves `pending` and gets its slug and
   * release in one transaction. Undefined when the build had already ended.
   */
  async function claim(build: BuildRow, result: Extract<BuildResult, { status: "succeeded" }>) {
    const claimed = await succeedBuild(db, {
      buildId: build.id,
      slug: {
        checksum: result.checksum,
        layers: build.uploaded_slug_layers,
        size: await joinedSize(uploadedBlobs(build, result.checksum).map((blob) => blobs.path(blob))),
        process_types: result.processTypes,
        commit: build.source_version,
        stack: result.stack,
        buildpack_description: result.buildpackDescription,
      },
      release: {
        description: `Deploy ${build.source_version?.slice(0, 8) ?? build.id.slice(0, 8)}`,
        userId: build.user_id,
        // Current only once its web dynos are up (the dyno manager says so); the release phase first.
        // A slug with no web dyno to wait for is current at once, as on Heroku.
        status: result.processTypes.release ? "pending" : (await wantsWebDynos(db, build.app_id, result.processTypes)) ? "deploying" : "succeeded",
      },
    });
    if (claimed) closeDyno(build.id);
    return claimed?.release;
  }

  /** After the claim: the release phase, the formation, and the wait for the new web dynos. */
  async function deploy(build: BuildRow, app: AppRow, release: ReleaseRow, releaseCommand: string | undefined): Promise<void> {
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
    const settled = await getRelease(db, app.id, release.id);
    const outcome = settled.status === "succeeded" ? { ok: true, message: `Released v${release.version}` } : await awaitDeploy(build, app, release);
    if (outcome.ok) {
      await line(build, app.name, `       http://${app.name}.${config.domain}:${config.routerPort}/ deployed to Ouro`);
    } else {
      await line(build, app.name, ` !     ${outcome.message}`);
    }
    await emitBuildEvent(redis, build.id, { type: "done", ...outcome });
  }

  /** The release phase of a release made without a build, in the background: the outcome lands in the app's log and the release. */
  function releaseConfig(app: AppRow, release: ReleaseRow, command: string): void {
    const note = (text: string) => appendLog(redis, app.name, { source: "ouro", dyno: "release", line: text });
    background(log, `${app.name}: the release phase of v${release.version}`, async () => {
      const outcome = await runReleasePhase(deps, { app, release, command, emit: note });
      log(`${app.name}: ${outcome.message}`);
      await note(outcome.message);
    });
  }

  return {
    /** A push's build; the push's audit entry is written with the build's row. */
    /**
     * A build of a pushed tree; of one already stored (an uploaded source's, with the URL it was
     * named by); or of what is at a URL, which its build dyno fetches (checked against `checksum`).
     */
    async start(opts: {
      app: AppRow;
      userId: string | null;
      source: Readable | { tree: string; url: string } | { fetch: string; checksum?: string };
      version: string | null;
      audit?: AuditEntry;
    }) {
      const { source } = opts;
      const tree = "fetch" in source ? null : "tree" in source ? source.tree : (await blobs.put(source)).checksum;
      const build = await createBuild(db, {
        appId: opts.app.id,
        userId: opts.userId,
        sourceChecksum: tree,
        sourceVersion: opts.version,
        sourceUrl: "fetch" in source ? source.fetch : "url" in source ? source.url : undefined,
        sourceBlobChecksum: "fetch" in source ? source.checksum : undefined,
        deadline: new Date(Date.now() + buildTimeoutMs),
        audit: opts.audit,
      });
      await line(build, opts.app.name, `-----> Build ${build.id} queued for the builder`);
      // Ids only: what the build needs, its dyno fetches with the build's own credential.
      // A job is gone once it ends; the build row keeps the outcome.
      await deps.queue.add("build", { buildId: build.id, app: opts.app.name }, { jobId: build.id, removeOnComplete: true, removeOnFail: true });
      return build;
    },

    /** What the build dyno builds with: the app's config vars, build settings and buildpacks. */
    async spec(build: BuildRow, app: AppRow): Promise<BuildSpec> {
      return {
        app: app.name,
        // The config its release will run with: the newest, one still deploying included.
        env: await latestConfig(db, app),
        buildEnv: {
          ...(config.npmRegistry ? { NPM_CONFIG_REGISTRY: config.npmRegistry } : {}),
          ...(process.env.OURO_SLUG_SIZE_LIMIT ? { OURO_SLUG_SIZE_LIMIT: process.env.OURO_SLUG_SIZE_LIMIT } : {}),
        },
        buildpacks: await appBuildpacks(db, app.id),
        deadline: build.deadline_at.toISOString(),
        ...(build.source_checksum === null && build.source_url ? { sourceUrl: build.source_url } : {}),
      };
    },

    dynos: buildDynos,

    /** The largest slug the API takes (OURO_SLUG_SIZE_LIMIT MB). */
    slugSizeLimitBytes: Number(process.env.OURO_SLUG_SIZE_LIMIT || DEFAULT_SLUG_SIZE_LIMIT_MB) * 1024 * 1024,

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
      await fail(build, await appName(build), `the builder could not finish this build: ${reason}`);
    },

    /**
     * The one path for a release made without a build: a config change (config:set, an add-on
     * attached or detached; `changes`) or a rollback (an earlier release's `slugId` and whole
     * `config`). When its slug has a `release` process type, the release phase runs first, in the
     * background. Like a push, it deploys: current once its web dynos are up, failed (what ran
     * before kept) when they never are.
     */
    async releaseChange(change: {
      app: AppRow;
      changes?: Record<string, string | null>;
      slugId?: string;
      config?: Record<string, string>;
      description: string;
      userId: string | null;
      audit?: AuditEntry;
    }): Promise<ReleaseRow> {
      const { app } = change;
      let command: string | undefined;
      const release = await createRelease(db, {
        appId: app.id,
        slugId: change.slugId,
        config: change.config,
        configChanges: change.changes,
        description: change.description,
        userId: change.userId,
        // From the slug it runs (the one given, else the newest release's that has not failed),
        // as the release is made: a release phase first if the slug has one, then its web dynos.
        status: async (processTypes, client) => {
          command = processTypes?.release;
          const deploys = processTypes !== null && (await wantsWebDynos(client, app.id, processTypes));
          return command ? "pending" : deploys ? "deploying" : "succeeded";
        },
        audit: change.audit,
      });
      announce(app.name, release);
      if (command) releaseConfig(app, release, command);
      else await deps.notifyFormation(app.name);
      return release;
    },

    /**
     * A chunk of the build's output. Each line costs its bytes plus what Redis spends on an entry,
     * so a flood of empty lines is bounded too; past OUTPUT_LIMIT the rest is dropped, once said.
     */
    async output(build: BuildRow, app: AppRow, text: string) {
      const parts = text.replace(/\r?\n$/, "").split(/\r?\n/);
      const cost = Buffer.byteLength(text) + parts.length * LINE_COST;
      const used = await redis.multi().incrby(outputBytesKey(build.id), cost).expire(outputBytesKey(build.id), 24 * 3600).exec();
      const total = Number(used?.[0]?.[1] ?? 0);
      if (total - cost >= OUTPUT_LIMIT) return;
      if (total > OUTPUT_LIMIT) {
        return line(build, app.name, ` !     This build's output passed ${OUTPUT_LIMIT / 1024 / 1024} MB; the rest is not shown.`);
      }
      for (const part of parts) await line(build, app.name, part);
    },

    /**
     * Takes a builder's result. Returns false when the build had already ended (a late,
     * duplicate or replayed result), which then changes nothing. Releasing and waiting for
     * the new dynos go on in the background; whatever goes wrong there, the push that
     * waits on this build is told.
     */
    async finish(build: BuildRow, app: AppRow, result: BuildResult): Promise<boolean> {
      if (result.status === "failed") {
        const failed = await fail(build, app.name, result.message);
        if (failed) standBy(build); // most likely pushed again soon
        return failed;
      }
      // Taken, as a failure: the build cannot succeed without a slug it uploaded itself (the
      // build was read when the result came in, after the upload).
      if (build.uploaded_checksum !== result.checksum || !uploadedBlobs(build, result.checksum).every((blob) => blobs.has(blob))) {
        return fail(build, app.name, "the builder reported a slug it never uploaded");
      }
      const release = await claim(build, result);
      if (!release) return false;
      announce(app.name, release);
      background(log, `${app.name}: releasing build ${build.id}`, async () => {
        try {
          await deploy(build, app, release, result.processTypes.release);
        } catch (error) {
          const message = `Ouro could not release this build: ${(error as Error).message}`;
          log(`${app.name}: build ${build.id}: ${(error as Error).stack}`);
          await line(build, app.name, ` !     ${message}`);
          await emitBuildEvent(redis, build.id, { type: "done", ok: false, message });
        }
        // Once the deploy settled: the standby's start would slow the new dynos' down.
        standBy(build);
      });
      return true;
    },
  };
}

/** OURO_STANDBY_BUILD_DYNOS: a whole number, 0 for none; 2 when unset. */
function standbysFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 2;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new Error(`OURO_STANDBY_BUILD_DYNOS must be a whole number (0 for none), not "${value}"`);
  return count;
}

/** The blobs of the slug a build's dyno uploaded. */
const uploadedBlobs = (build: BuildRow, checksum: string) => slugBlobs({ checksum, layers: build.uploaded_slug_layers });

/** A build's output, in bytes, beyond which it is not shown (a flood cannot fill the kernel's Redis). */
export const OUTPUT_LIMIT = 4 * 1024 * 1024;
const LINE_COST = 64;
const outputBytesKey = (buildId: string) => `ouro:build:${buildId}:output-bytes`;

export type BuildService = ReturnType<typeof createBuildService>;
