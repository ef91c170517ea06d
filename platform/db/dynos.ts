import type { Db } from "./pool.ts";
import { transaction } from "./pool.ts";
import { DEFAULT_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { LifecycleSteps } from "../lib/plan-contract.ts";
import type { Strategy, StrategyName } from "../dynos/model.ts";

/** What the dyno manager wants running for one app: its current release and formation. */
export interface DesiredApp {
  appId: string;
  app: string;
  /** The release to run: the newest succeeded or deploying one. */
  release: number;
  releaseId: string;
  /** `deploying`: not current yet; the dyno manager makes it `succeeded` once its web dynos are up. */
  releaseStatus: "deploying" | "succeeded";
  slugChecksum: string;
  processTypes: Record<string, string>;
  config: Record<string, string>;
  formation: Record<string, number>;
  /** Each process type's dyno size. */
  sizes: Record<string, string>;
  /** Each process type's restart generation (`ps:restart` bumps it). */
  generations: Record<string, number>;
  strategy: Strategy;
  /**
   * While the target is deploying: the current release, whose non-web dynos run on until the
   * target's web dynos are up (a release that fails must not have run its workers).
   */
  current?: { release: number; slugChecksum: string; processTypes: Record<string, string>; config: Record<string, string> };
}

/** Every app's desired model, or only the named app's. */
export async function loadDesiredApps(db: Db, app?: string): Promise<DesiredApp[]> {
  const { rows } = await db.query<{
    app_id: string;
    name: string;
    version: number;
    release_id: string;
    release_status: "deploying" | "succeeded";
    config: Record<string, string>;
    checksum: string;
    process_types: Record<string, string>;
    formation: Record<string, number> | null;
    sizes: Record<string, string> | null;
    generations: Record<string, number> | null;
    strategy: StrategyName;
    strategy_batch: number;
    current_version: number | null;
    current_checksum: string | null;
    current_process_types: Record<string, string> | null;
    current_config: Record<string, string> | null;
  }>(`
    SELECT a.id AS app_id, a.name, r.version, r.id AS release_id, r.status AS release_status, r.config, s.checksum, s.process_types, a.strategy, a.strategy_batch,
           (SELECT jsonb_object_agg(type, quantity) FROM formations WHERE app_id = a.id) AS formation,
           (SELECT jsonb_object_agg(type, size) FROM formations WHERE app_id = a.id) AS sizes,
           (SELECT jsonb_object_agg(type, generation) FROM formations WHERE app_id = a.id) AS generations,
           c.version AS current_version, cs.checksum AS current_checksum, cs.process_types AS current_process_types, c.config AS current_config
    FROM apps a
    JOIN target_releases r ON r.app_id = a.id
    JOIN slugs s ON s.id = r.slug_id
    LEFT JOIN current_releases c ON c.app_id = a.id AND r.status = 'deploying'
    LEFT JOIN slugs cs ON cs.id = c.slug_id
    WHERE $1::text IS NULL OR a.name = $1`, [app ?? null]);
  return rows.map((row) => ({
    appId: row.app_id,
    app: row.name,
    release: row.version,
    releaseId: row.release_id,
    releaseStatus: row.release_status,
    slugChecksum: row.checksum,
    processTypes: row.process_types,
    config: row.config,
    formation: row.formation ?? {},
    sizes: row.sizes ?? {},
    generations: row.generations ?? {},
    strategy: { name: row.strategy, batch: row.strategy_batch },
    ...(row.current_version !== null && row.current_checksum !== null
      ? {
          current: {
            release: row.current_version,
            slugChecksum: row.current_checksum,
            processTypes: row.current_process_types ?? {},
            config: row.current_config ?? {},
          },
        }
      : {}),
  }));
}

export interface DynoRow {
  id: string;
  app_id: string;
  name: string;
  type: string;
  release_version: number;
  container_id: string;
  command: string;
  state: "starting" | "up" | "crashed" | "down";
  port: number | null;
  /** The one-off dyno's own size, else its process type's (as recorded, or, before sizes were recorded, as set now). */
  size: string;
  /** The restart generation it was started for. */
  generation: number;
  /** Set for a one-off dyno. */
  run_id: string | null;
  /** Where it is in its life: each step begun, when, and how long it took. */
  steps: LifecycleSteps;
  created_at: Date;
  updated_at: Date;
}

/** What the dyno manager records; `size` null reads as the run's or the process type's. */
export type DynoRecord = Omit<DynoRow, "id" | "updated_at" | "size" | "steps"> & { size: string | null; steps?: LifecycleSteps };

/**
 * An app's dynos with their sizes. A one-off dyno `<type>.<n>` is the app's run of that type
 * and number (a build dyno's type is also a formation type of the builder, so the run comes first).
 */
export async function listDynos(db: Db, appId: string): Promise<DynoRow[]> {
  const { rows } = await db.query<DynoRow>(
    `SELECT d.*, coalesce(d.size,
       (SELECT r.size FROM runs r WHERE r.app_id = d.app_id AND r.type = d.type AND r.number::text = split_part(d.name, '.', 2)),
       f.size, $2) AS size
     FROM dynos d LEFT JOIN formations f ON f.app_id = d.app_id AND f.type = d.type
     WHERE d.app_id = $1 ORDER BY d.type, d.name, d.created_at`,
    [appId, DEFAULT_DYNO_SIZE],
  );
  return rows;
}

/** Replaces an app's recorded dynos with what the engine reports now. */
export async function recordDynos(db: Db, appId: string, dynos: DynoRecord[]): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("DELETE FROM dynos WHERE app_id = $1 AND NOT (container_id = ANY($2::text[]))", [
      appId,
      dynos.map((d) => d.container_id),
    ]);
    for (const d of dynos) {
      await client.query(
        `INSERT INTO dynos (app_id, name, type, release_version, container_id, command, state, port, created_at, size, generation, run_id, steps)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
         ON CONFLICT (container_id) DO UPDATE SET state = EXCLUDED.state, port = EXCLUDED.port,
           -- Steps a restarted manager did not see are kept from before it.
           steps = dynos.steps || EXCLUDED.steps,
           size = EXCLUDED.size, generation = EXCLUDED.generation, run_id = EXCLUDED.run_id,
           updated_at = CASE WHEN dynos.state = EXCLUDED.state THEN dynos.updated_at ELSE now() END`,
        [d.app_id, d.name, d.type, d.release_version, d.container_id, d.command, d.state, d.port, d.created_at, d.size, d.generation, d.run_id, JSON.stringify(d.steps ?? {})],
      );
    }
  });
}

/** How many dynos are recorded in each state, over every app (one-off dynos included). */
export async function dynoCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; count: number }>("SELECT state, count(*)::int AS count FROM dynos GROUP BY state ORDER BY state");
  return Object.fromEntries(rows.map((r) => [r.state, r.count]));
}
