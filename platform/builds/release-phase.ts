// The release phase: when the slug has a `release` process type, it runs as the
// one-off dyno `release.N` of the new release before the formation moves. Exit 0
// makes the release current; anything else marks it failed, with the reason, and the
// app stays put. The app may be deleted meanwhile, and the API may die meanwhile:
// neither leaves a release pending for good (see resumeReleasePhases).
import type { Redis } from "ioredis";
import {
  type AppRow,
  type Db,
  type ReleaseRow,
  type RunRow,
  createRun,
  deploysWebDynos,
  endRelease,
  getRun,
  orphanedPendingReleases,
  pendingReleasePhases,
} from "../db/index.ts";
import { type Log, background } from "../lib/background.ts";
import { OuroError } from "../lib/errors.ts";
import { readLogs } from "../logs/index.ts";

export interface ReleasePhaseDeps {
  db: Db;
  redis: Redis;
  notifyFormation: (app: string) => Promise<void>;
}

export interface ReleaseOutcome {
  ok: boolean;
  message: string;
}

const RELEASE_TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 250;

const isNotFound = (error: unknown) => error instanceof OuroError && error.status === 404;

export async function runReleasePhase(
  deps: ReleasePhaseDeps,
  opts: { app: AppRow; release: ReleaseRow; command: string; emit: (line: string) => Promise<void> },
): Promise<ReleaseOutcome> {
  const { app, release } = opts;
  await opts.emit(`-----> Running release command: ${opts.command}`);
  let run: RunRow;
  try {
    run = await createRun(deps.db, { appId: app.id, command: opts.command, type: "release", releaseVersion: release.version });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return { ok: false, message: `${app.name} was deleted before its release phase started; v${release.version} was not released.` };
  }
  const dyno = `${run.type}.${run.number}`;
  const reader = deps.redis.duplicate();
  reader.on("error", () => {}); // a lost relay loses output lines, never the release
  const stop = new AbortController();
  const relay = readLogs(reader, app.name, { lines: 0, tail: true, dyno }, (l) => background(console.error, `${app.name}: relaying a release phase line`, () => opts.emit(`       ${l.line}`)), stop.signal);
  try {
    await deps.notifyFormation(app.name);
    const outcome = await awaitReleasePhase(deps, { app: app.name, release, run, command: opts.command });
    // The last lines reach the log stream just before the exit is recorded.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return outcome;
  } finally {
    stop.abort();
    reader.disconnect();
    await relay.catch(() => {});
  }
}

/** Waits for the run to end and ends the release by it: current on exit 0, failed otherwise. */
async function awaitReleasePhase(
  deps: ReleasePhaseDeps,
  opts: { app: string; release: Pick<ReleaseRow, "id" | "version">; run: RunRow; command: string; deadline?: number },
): Promise<ReleaseOutcome> {
  const { release } = opts;
  const deadline = opts.deadline ?? opts.run.created_at.getTime() + RELEASE_TIMEOUT_MS;
  let finished: RunRow | undefined = opts.run;
  while (finished && finished.state !== "complete" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    finished = await getRun(deps.db, opts.run.id).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }
  if (!finished) {
    return { ok: false, message: `${opts.app} was deleted while its release phase ran; v${release.version} was not released.` };
  }
  const ok = finished.state === "complete" && finished.exit_code === 0;
  if (ok) {
    // The dyno manager makes it current once its web dynos accept connections.
    const next = (await deploysWebDynos(deps.db, release.id)) ? "deploying" : "succeeded";
    if (!(await endRelease(deps.db, release.id, { status: next }))) {
      return { ok: false, message: `v${release.version} of ${opts.app} is no longer pending (a newer release built on it took its place, or the app was deleted).` };
    }
    await deps.notifyFormation(opts.app);
    return { ok, message: next === "deploying" ? `Release command succeeded; starting the dynos of v${release.version}` : `Release command succeeded; v${release.version} is current` };
  }
  const how =
    finished.state !== "complete"
      ? `did not finish within ${RELEASE_TIMEOUT_MS / 60_000} minutes`
      : `exited with status ${finished.exit_code ?? "unknown"}`;
  const message = `Release command (${opts.command}) ${how}: v${release.version} failed and the current release keeps serving.`;
  await endRelease(deps.db, release.id, { status: "failed", message });
  return { ok, message };
}

/**
 * At API start: a release left pending by an API that died is settled. One whose
 * release phase still runs is watched again to its end; one with no live release
 * phase is failed with the reason.
 */
export async function resumeReleasePhases(deps: ReleasePhaseDeps & { log: Log }): Promise<void> {
  for (const orphan of await orphanedPendingReleases(deps.db)) {
    const message = `the API stopped while v${orphan.version}'s release phase ran, and it is no longer running; v${orphan.version} was not released.`;
    if (await endRelease(deps.db, orphan.id, { status: "failed", message })) deps.log(`${orphan.app}: release v${orphan.version} failed: ${message}`);
  }
  for (const phase of await pendingReleasePhases(deps.db)) {
    deps.log(`${phase.app}: watching the release phase of v${phase.version} again (${phase.run.type}.${phase.run.number})`);
    background(deps.log, `${phase.app}: the release phase of v${phase.version}`, async () => {
      const outcome = await awaitReleasePhase(deps, {
        app: phase.app,
        release: { id: phase.release_id, version: phase.version },
        run: phase.run,
        command: phase.run.command,
      });
      deps.log(`${phase.app}: ${outcome.message}`);
    });
  }
}
