// One dyno per build: a one-off dyno `build.N` of the builder app's own release, on the build
// network, whose whole environment is that build's credential. The builder worker asks for it
// and watches it; the kernel makes it, and closes it (so the dyno manager stops it, and every
// process the build started) whenever the build ends.
import { BUILD_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { Config } from "../lib/config.ts";
import { dynoApiUrl } from "../lib/config.ts";
import { BUILDER_APP, BUILD_DYNO_ENV, BUILD_PROCESS_TYPE, type BuildDyno } from "../lib/build-contract.ts";
import { buildScope, scopedToken } from "../lib/tokens.ts";
import { conflict } from "../lib/errors.ts";
import {
  type BuildRow,
  type Db,
  type RunRow,
  closeEndedBuildRuns,
  createRun,
  currentRelease,
  getApp,
  getBuild,
  getSlug,
  latestBuildRun,
} from "../db/index.ts";

export interface BuildDynoDeps {
  config: Config;
  db: Db;
  notifyFormation: (app: string) => Promise<void>;
  /** Fails a pending build with a message for the pusher; false when it had already ended. */
  fail: (build: BuildRow, message: string) => Promise<boolean>;
}

const UNIQUE_VIOLATION = "23505";

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

  return {
    /**
     * The build's open dyno, started when it has none (a builder that took the job again after
     * its predecessor died finds the one already running). Nothing starts for an ended build.
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
