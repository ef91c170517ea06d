import type { Db } from "./pool.ts";
import { transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { invalidParams, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";
import { DEFAULT_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import { ATTACH_WINDOW_SECONDS, DEFAULT_TIME_TO_LIVE, type TerminalSize } from "../lib/run-contract.ts";

export interface RunRow {
  id: string;
  app_id: string;
  release_version: number;
  type: string;
  number: number;
  command: string;
  env: Record<string, string>;
  state: "pending" | "running" | "complete";
  exit_code: number | null;
  /** Set for a build dyno: the one build it serves. */
  build_id: string | null;
  /** Set for a standby build dyno: the app whose next build it is for (build_id set once a build takes it). */
  standby_for: string | null;
  size: string;
  /** Its time limit in seconds, from its start; `expires_at` is set when it starts. */
  time_to_live: number;
  expires_at: Date | null;
  /** Attached (`ouro run`): started once its client has connected, by `attach_deadline`. */
  attach: boolean;
  /** The attached client's secret, as SHA-256; null once used (or for a detached run). */
  attach_secret_hash: Buffer | null;
  attach_deadline: Date | null;
  /** Attached with a terminal, of this initial size. */
  tty: boolean;
  tty_columns: number | null;
  tty_lines: number | null;
  created_at: Date;
  updated_at: Date;
}

/** How an attached run's client will connect: its secret's hash, and the terminal it asked for. */
export interface RunAttachment {
  secretHash: Buffer;
  tty: boolean;
  size?: TerminalSize;
}

/** The dyno type of the release phase: the platform starts those, a user does not. */
export const RELEASE_PHASE_TYPE = "release";

/**
 * Queues a one-off dyno `<type>.<n>` of the given release (default: the current one). With a
 * `quota`, refuses it when the app has that many user one-off dynos open already (build and
 * release-phase dynos do not count); the app's row stays locked from the count to the insert,
 * so two requests cannot both take the last place.
 */
export async function createRun(
  db: Db,
  run: {
    /** Its id, when the caller needs it before the insert (a standby's credential names it). */
    id?: string;
    appId: string;
    command: string;
    type: string;
    releaseVersion?: number;
    env?: Record<string, string>;
    buildId?: string;
    /** A standby build dyno, for this app's next build. */
    standbyFor?: string;
    size?: string;
    timeToLive?: number;
    attach?: RunAttachment;
  },
  quota?: { max: number; appName: string },
  audit?: (run: RunRow) => AuditEntry,
): Promise<RunRow> {
  return transaction(db, async (client) => {
    await client.query("SELECT 1 FROM apps WHERE id = $1 FOR UPDATE", [run.appId]);
    if (quota) {
      const { rows } = await client.query<{ open: number }>(
        `SELECT count(*)::int AS open FROM runs
         WHERE app_id = $1 AND state IN ('pending', 'running') AND build_id IS NULL AND standby_for IS NULL AND type <> $2`,
        [run.appId, RELEASE_PHASE_TYPE],
      );
      const open = rows[0]?.open ?? 0;
      if (open >= quota.max) {
        throw invalidParams(
          `Cannot run more than ${quota.max} one-off dynos at once on ${quota.appName}: ${open} are running or starting. ` +
            "Wait for one to exit, then try again.",
        );
      }
    }
    let version = run.releaseVersion;
    if (version === undefined) {
      const current = await client.query<{ version: number }>(
        "SELECT version FROM current_releases WHERE app_id = $1 AND slug_id IS NOT NULL",
        [run.appId],
      );
      version = current.rows[0]?.version;
      if (version === undefined) throw notFound("This app has no release to run yet: deploy it first (git push).");
    }
    const attach = run.attach;
    const { rows } = await client.query<RunRow>(
      `INSERT INTO runs (app_id, release_version, type, number, command, env, build_id, size, time_to_live,
                         attach, attach_secret_hash, attach_deadline, tty, tty_columns, tty_lines, id, standby_for)
       VALUES ($1, $2, $3, (SELECT coalesce(max(number), 0) + 1 FROM runs WHERE app_id = $1 AND type = $3), $4, $5, $6, $7, $8,
               $9, $10, CASE WHEN $9 THEN now() + make_interval(secs => $11) END, $12, $13, $14, coalesce($15, gen_random_uuid()), $16)
       RETURNING *`,
      [
        run.appId, version, run.type, run.command, run.env ?? {}, run.buildId ?? null, run.size ?? DEFAULT_DYNO_SIZE,
        run.timeToLive ?? DEFAULT_TIME_TO_LIVE, Boolean(attach), attach?.secretHash ?? null, ATTACH_WINDOW_SECONDS,
        attach?.tty ?? false, attach?.size?.columns ?? null, attach?.size?.lines ?? null, run.id ?? null, run.standbyFor ?? null,
      ],
    );
    await recordAuditIf(client, audit?.(rows[0]!));
    return rows[0]!;
  });
}

export async function getRun(db: Db, id: string): Promise<RunRow> {
  if (!isUuid(id)) throw notFound(`Couldn't find that one-off dyno: ${id}.`);
  const { rows } = await db.query<RunRow>("SELECT * FROM runs WHERE id = $1", [id]);
  if (!rows[0]) throw notFound(`Couldn't find that one-off dyno: ${id}.`);
  return rows[0];
}

/** What the dyno manager must start or watch for one app: runs not complete, with their release. */
export interface OpenRun extends RunRow {
  slug_checksum: string;
  config: Record<string, string>;
  /** A build dyno's: the app it builds (or, standing by, will build). */
  build_app_id: string | null;
}

export async function listOpenRuns(db: Db, app: string): Promise<OpenRun[]> {
  const { rows } = await db.query<OpenRun>(
    `SELECT r.*, s.checksum AS slug_checksum, rel.config, coalesce(b.app_id, r.standby_for) AS build_app_id
     FROM runs r JOIN apps a ON a.id = r.app_id
     JOIN releases rel ON rel.app_id = r.app_id AND rel.version = r.release_version
     JOIN slugs s ON s.id = rel.slug_id
     LEFT JOIN builds b ON b.id = r.build_id
     WHERE a.name = $1 AND r.state IN ('pending', 'running')`,
    [app],
  );
  return rows;
}

/**
 * A run moves pending → running → complete, never back: a run closed meanwhile (its build
 * ended) is not started. Returns false when the run was not in the state before. A run that
 * starts gets the time it expires (its start and its time limit, by the dyno manager's clock).
 */
export async function markRun(
  db: Db,
  id: string,
  change: { state: "running"; expiresAt?: Date } | { state: "complete"; exitCode: number | null },
): Promise<boolean> {
  const { rowCount } =
    change.state === "running"
      ? await db.query(
          `UPDATE runs SET state = 'running', updated_at = now(), expires_at = coalesce($2, now() + make_interval(secs => time_to_live))
           WHERE id = $1 AND state = 'pending'`,
          [id, change.expiresAt ?? null],
        )
      : await db.query("UPDATE runs SET state = 'complete', exit_code = $2, updated_at = now() WHERE id = $1", [id, change.exitCode]);
  return rowCount === 1;
}

/** Apps with runs to start or watch, for the dyno manager's tick. */
export async function appsWithOpenRuns(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT DISTINCT a.name FROM runs r JOIN apps a ON a.id = r.app_id WHERE r.state IN ('pending', 'running')",
  );
  return rows.map((r) => r.name);
}

/** The newest dyno of a release's release phase (open or not), if it has had one. */
export async function newestReleaseRun(db: Db, appId: string, version: number): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    "SELECT * FROM runs WHERE app_id = $1 AND type = 'release' AND release_version = $2 ORDER BY created_at DESC LIMIT 1",
    [appId, version],
  );
  return rows[0];
}

/** The newest run serving a build (open or not), if any. */
export async function latestBuildRun(db: Db, buildId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>("SELECT * FROM runs WHERE build_id = $1 ORDER BY created_at DESC LIMIT 1", [buildId]);
  return rows[0];
}

/**
 * A standby build dyno of the builder's release `version` waiting for `appId`'s next build, given
 * to `buildId`: one UPDATE, so two builds cannot take the same one. Only one that is not about to
 * be closed for its age (`maxAgeSeconds`). It gets a build dyno's time limit from now on.
 */
export async function claimStandbyRun(
  db: Db,
  claim: { appId: string; buildId: string; version: number; maxAgeSeconds: number },
): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE runs SET build_id = $2, updated_at = now(), time_to_live = $5::int,
            expires_at = CASE WHEN state = 'running' THEN now() + make_interval(secs => $5::int) END
     WHERE id = (SELECT id FROM runs
                 WHERE standby_for = $1 AND build_id IS NULL AND state IN ('pending', 'running') AND release_version = $3
                   AND created_at > now() - make_interval(secs => $4 - 30)
                 LIMIT 1 FOR UPDATE SKIP LOCKED)
       AND build_id IS NULL AND state IN ('pending', 'running')
     RETURNING *`,
    [claim.appId, claim.buildId, claim.version, claim.maxAgeSeconds, DEFAULT_TIME_TO_LIVE],
  );
  return rows[0];
}

/**
 * Closes standby build dynos no build took: those older than `maxAgeSeconds`, of another
 * builder release than `version`, and past the newest `keep` (the oldest go first). Returns the
 * apps (the builder) whose runs were closed, and the runs.
 */
export async function closeStandbyRuns(db: Db, opts: { version: number; maxAgeSeconds: number; keep: number }): Promise<{ apps: string[]; runs: string[] }> {
  const { rows } = await db.query<{ name: string; id: string }>(
    `WITH waiting AS (
       SELECT id, release_version, created_at, row_number() OVER (ORDER BY created_at DESC) AS newest
       FROM runs WHERE standby_for IS NOT NULL AND build_id IS NULL AND state IN ('pending', 'running'))
     UPDATE runs r SET state = 'complete', updated_at = now() FROM waiting w, apps a
     WHERE r.id = w.id AND a.id = r.app_id AND r.build_id IS NULL AND r.state IN ('pending', 'running')
       AND (w.release_version <> $1 OR w.created_at <= now() - make_interval(secs => $2) OR w.newest > $3)
     RETURNING a.name, r.id`,
    [opts.version, opts.maxAgeSeconds, opts.keep],
  );
  return { apps: [...new Set(rows.map((r) => r.name))], runs: rows.map((r) => r.id) };
}

/** The standby build dyno waiting for an app's next build, if there is one. */
export async function openStandbyRun(db: Db, appId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    "SELECT * FROM runs WHERE standby_for = $1 AND build_id IS NULL AND state IN ('pending', 'running')",
    [appId],
  );
  return rows[0];
}

/**
 * Closes the open dynos of ended builds (one build's, or all): the dyno manager then stops
 * their containers, and every process those builds started goes with them. Returns the apps
 * (the builder) whose runs were closed.
 */
export async function closeEndedBuildRuns(db: Db, buildId?: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `UPDATE runs r SET state = 'complete', updated_at = now() FROM builds b, apps a
     WHERE b.id = r.build_id AND a.id = r.app_id AND b.status <> 'pending' AND r.state IN ('pending', 'running')
       AND ($1::uuid IS NULL OR r.build_id = $1::uuid)
     RETURNING a.name`,
    [buildId ?? null],
  );
  return [...new Set(rows.map((r) => r.name))];
}

/**
 * Takes an attached run's secret, once: the pending run it belongs to if it is still within its
 * window to connect, and the secret is gone from the database either way it matched. Nothing for
 * a wrong, used or late secret.
 */
export async function claimAttachment(db: Db, secretHash: Buffer): Promise<{ id: string; app: string; dyno: string } | undefined> {
  const { rows } = await db.query<{ id: string; app: string; dyno: string; in_time: boolean }>(
    `UPDATE runs r SET attach_secret_hash = NULL FROM apps a
     WHERE r.attach_secret_hash = $1 AND a.id = r.app_id
     RETURNING r.id, a.name AS app, r.type || '.' || r.number AS dyno, (r.state = 'pending' AND r.attach_deadline > now()) AS in_time`,
    [secretHash],
  );
  const run = rows[0];
  return run?.in_time ? { id: run.id, app: run.app, dyno: run.dyno } : undefined;
}

/** When each open one-off dyno of an app expires, by run id (none before it starts). */
export async function runExpiries(db: Db, appId: string): Promise<Map<string, Date>> {
  const { rows } = await db.query<{ id: string; expires_at: Date }>(
    "SELECT id, expires_at FROM runs WHERE app_id = $1 AND state IN ('pending', 'running') AND expires_at IS NOT NULL",
    [appId],
  );
  return new Map(rows.map((r) => [r.id, r.expires_at]));
}
