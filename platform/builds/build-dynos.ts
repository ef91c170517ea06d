// One dyno per build: a one-off dyno `build.N` of the builder app's own release, on the build
// network, whose whole environment is that build's credential. The builder worker asks for it
// and watches it; the kernel makes it, and closes it (so the dyno manager stops it, and every
// process the build started) whenever the build ends.
//
// Standby: once an app's build has ended, a build dyno is started for its next build, with the
// app's build cache mounted and only a credential to wait with (STANDBY_DYNO_ENV). The app's next
// build takes it instead of starting a dyno (Docker's start and node's loading of the builder
// are done by then), and the dyno is told the build's credential by the API. Standbys no build
// took within STANDBY_SECONDS, of an older builder release, or past the newest `standbys` on the
// platform are closed.
import { BUILD_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { Config } from "../lib/config.ts";
import { dynoApiUrl } from "../lib/config.ts";
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { BUILDER_APP, BUILD_DYNO_ENV, BUILD_PROCESS_TYPE, type BuildDyno, STANDBY_DYNO_ENV } from "../lib/build-contract.ts";
import { standbyKey } from "../lib/channels.ts";
import { buildScope, scopedToken, standbyScope } from "../lib/tokens.ts";
import { conflict } from "../lib/errors.ts";
import {
  type BuildRow,
  type Db,
  type RunRow,
  claimStandbyRun,
  closeEndedBuildRuns,
  closeStandbyRuns,
  createRun,
  currentRelease,
  getApp,
  getBuild,
  getSlug,
  latestBuildRun,
  openStandbyRun,
} from "../db/index.ts";

export interface BuildDynoDeps {
  config: Config;
  db: Db;
  redis: Redis;
  /** Standby build dynos on the platform at most (0: none). */
  standbys: number;
  notifyFormation: (app: string) => Promise<void>;
  /** Fails a pending build with a message for the pusher; false when it had already ended. */
  fail: (build: BuildRow, message: string) => Promise<boolean>;
}

const UNIQUE_VIOLATION = "23505";

/** How long a standby build dyno waits for its app's next build before it is closed. */
export const STANDBY_SECONDS = 10 * 60;

export function createBuildDynos(deps: BuildDynoDeps) {
  const { db } = deps;

  async function shape(buildId: string, run: RunRow | undefined): Promise<BuildDyno> {
    const build = await getBuild(db, buildId);
    return {
      name: run ? `${run.type}.${run.number}` : "",
      state: run?.state ?? "complete",
      exitCode: run?.exit_code ?? null,
      buildStatus: build.status,
    };
  }

  /** The command of the builder's current release for one build, or why there is none. */
  async function builderRelease(): Promise<{ appId: string; version: number; command: string } | string> {
    const builder = await getApp(db, BUILDER_APP);
    const current = await currentRelease(db, builder.id);
    const command = current?.slug_id ? (await getSlug(db, builder.id, current.slug_id)).process_types[BUILD_PROCESS_TYPE] : undefined;
    if (!current || !command) {
      return `the builder's current release${current ? ` v${current.version}` : ""} has no \`${BUILD_PROCESS_TYPE}\` process type; upgrade it with \`ouro system:upgrade builder\``;
    }
    return { appId: builder.id, version: current.version, command };
  }

  /** The build's dyno ended with the build still pending: fail it, saying how the dyno ended. */
  async function ended(build: BuildRow): Promise<BuildDyno> {
    const run = await latestBuildRun(db, build.id);
    if (run && run.state !== "complete") throw conflict(`${run.type}.${run.number} of build ${build.id} is still running.`);
    const how = !run
      ? "no build dyno was ever started for it"
      : run.exit_code === null
        ? `${run.type}.${run.number} was stopped before it reported a result`
        : `${run.type}.${run.number} exited with code ${run.exit_code} before it reported a result${run.exit_code === 137 ? " (killed: out of memory, or stopped)" : ""}`;
    await deps.fail(build, `The build ended without a result: ${how}.`);
    return shape(build.id, run);
  }

  async function closeStandbys(version: number): Promise<void> {
    const closed = await closeStandbyRuns(db, { version, maxAgeSeconds: STANDBY_SECONDS, keep: deps.standbys });
    for (const app of closed.apps) await deps.notifyFormation(app);
    // Their requests for a build end at once (410): each dyno exits before it is stopped.
    for (const run of closed.runs) await wake(run, "closed");
  }

  /** Wakes a standby dyno's request for its build (GET /internal/standbys/:run/build); the database says what happened. */
  async function wake(runId: string, what: string): Promise<void> {
    await deps.redis.multi().lpush(standbyKey(runId), what).expire(standbyKey(runId), STANDBY_SECONDS).exec();
  }

  return {
    /**
     * The build's open dyno: the standby waiting for its app's next build when there is one, else
     * one started for it; the one it has already when it has one (a builder that took the job
     * again after its predecessor died finds it still running). Nothing starts for an ended build.
     */
    async start(build: BuildRow): Promise<BuildDyno> {
      const latest = await latestBuildRun(db, build.id);
      if (build.status !== "pending" || (latest && latest.state !== "complete")) return shape(build.id, latest);
      // Its dyno ended without a result while no worker watched: a build runs once.
      if (latest) return ended(build);
      const release = await builderRelease();
      if (typeof release === "string") {
        await deps.fail(build, release);
        return shape(build.id, latest);
      }
      const standby = await claimStandbyRun(db, { appId: build.app_id, buildId: build.id, version: release.version, maxAgeSeconds: STANDBY_SECONDS });
      if (standby) {
        await wake(standby.id, build.id);
        return shape(build.id, standby);
      }
      const env = {
        [BUILD_DYNO_ENV.apiUrl]: dynoApiUrl(deps.config),
        [BUILD_DYNO_ENV.buildId]: build.id,
        [BUILD_DYNO_ENV.token]: scopedToken(deps.config.secrets.tokenSecret, buildScope(build.id)),
      };
      const run = await createRun(db, {
        appId: release.appId,
        releaseVersion: release.version,
        type: BUILD_PROCESS_TYPE,
        command: release.command,
        env,
        buildId: build.id,
        size: BUILD_DYNO_SIZE,
      }).catch(async (error: { code?: string }) => {
        // Two builders asked at once: the other one's dyno serves.
        if (error.code === UNIQUE_VIOLATION) return latestBuildRun(db, build.id);
        throw error;
      });
      await deps.notifyFormation(BUILDER_APP);
      return shape(build.id, run);
    },

    /**
     * Starts a standby build dyno for the app's next build, unless one waits already or standbys
     * are off; closes those past the platform's number (the oldest), too old, or of an older
     * builder release. Nothing when the builder has no release to build with.
     */
    async standBy(appId: string): Promise<void> {
      const release = await builderRelease();
      if (typeof release === "string") return;
      if (deps.standbys > 0 && !(await openStandbyRun(db, appId))) {
        const id = randomUUID();
        const created = await createRun(db, {
          id,
          appId: release.appId,
          releaseVersion: release.version,
          type: BUILD_PROCESS_TYPE,
          command: release.command,
          env: {
            [STANDBY_DYNO_ENV.apiUrl]: dynoApiUrl(deps.config),
            [STANDBY_DYNO_ENV.runId]: id,
            [STANDBY_DYNO_ENV.token]: scopedToken(deps.config.secrets.tokenSecret, standbyScope(id)),
          },
          standbyFor: appId,
          size: BUILD_DYNO_SIZE,
        }).then(() => true, (error: { code?: string }) => {
          // Another build of the app ended at once and started one: that one serves.
          if (error.code !== UNIQUE_VIOLATION) throw error;
          return false;
        });
        if (created) await deps.notifyFormation(BUILDER_APP);
      }
      await closeStandbys(release.version);
    },

    /** Closes the standby build dynos no build should take any more (see standBy); the API's sweep calls this. */
    async closeStale(): Promise<void> {
      const release = await builderRelease();
      await closeStandbys(typeof release === "string" ? 0 : release.version);
    },

    async get(build: BuildRow): Promise<BuildDyno> {
      return shape(build.id, await latestBuildRun(db, build.id));
    },

    ended,

    /**
     * Stops the dyno of an ended build (`buildId`), or of every ended build whose dyno is still
     * open (a close that failed at the time). Returns how many apps' dynos were told.
     */
    async closeEnded(buildId?: string): Promise<number> {
      const apps = await closeEndedBuildRuns(db, buildId);
      for (const app of apps) await deps.notifyFormation(app);
      return apps.length;
    },
  };
}

export type BuildDynos = ReturnType<typeof createBuildDynos>;
