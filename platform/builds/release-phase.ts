// The release phase: when the slug has a `release` process type, it runs as the
// one-off dyno `release.N` of the new release before the formation moves. Exit 0
// makes the release current; anything else marks it failed and the app stays put.
import type { Redis } from "ioredis";
import { type AppRow, type Db, type ReleaseRow, createRun, getRun, setReleaseStatus } from "../db/index.ts";
import { readLogs } from "../logs/index.ts";

export interface ReleasePhaseDeps {
  db: Db;
  redis: Redis;
  notifyFormation: (app: string) => Promise<void>;
}

const RELEASE_TIMEOUT_MS = 15 * 60_000;

export async function runReleasePhase(
  deps: ReleasePhaseDeps,
  opts: { app: AppRow; release: ReleaseRow; command: string; emit: (line: string) => Promise<void> },
): Promise<{ ok: boolean; message: string }> {
  const { app, release } = opts;
  await opts.emit(`-----> Running release command: ${opts.command}`);
  const run = await createRun(deps.db, { appId: app.id, command: opts.command, type: "release", releaseVersion: release.version });
  const dyno = `${run.type}.${run.number}`;
  const reader = deps.redis.duplicate();
  const stop = new AbortController();
  const relay = readLogs(reader, app.name, { lines: 0, tail: true, dyno }, (l) => void opts.emit(`       ${l.line}`), stop.signal);
  await deps.notifyFormation(app.name);
  const deadline = Date.now() + RELEASE_TIMEOUT_MS;
  let finished = await getRun(deps.db, run.id);
  while (finished.state !== "complete" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    finished = await getRun(deps.db, run.id);
  }
  // The last lines reach the log stream just before the exit is recorded.
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop.abort();
  reader.disconnect();
  await relay.catch(() => {});

  const ok = finished.state === "complete" && finished.exit_code === 0;
  await setReleaseStatus(deps.db, release.id, ok ? "succeeded" : "failed");
  if (ok) {
    await deps.notifyFormation(app.name);
    return { ok, message: `Release command succeeded; v${release.version} is current` };
  }
  const how = finished.state !== "complete" ? "did not finish within 15 minutes" : `exited with status ${finished.exit_code ?? "unknown"}`;
  return {
    ok,
    message: `Release command (${opts.command}) ${how}: v${release.version} failed and the current release keeps serving.`,
  };
}
