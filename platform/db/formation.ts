import type { Db } from "./pool.ts";
import { transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { invalidParams } from "../lib/errors.ts";
import type { Strategy } from "../dynos/model.ts";

export interface FormationRow {
  id: string;
  app_id: string;
  type: string;
  quantity: number;
  size: string;
  /** The restart generation (`ps:restart` bumps it). */
  generation: number;
  command: string | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT_FORMATION = `
  SELECT f.id, f.app_id, f.type, f.quantity, f.size, f.generation, f.created_at, f.updated_at,
         s.process_types ->> f.type AS command
  FROM formations f
  LEFT JOIN current_releases r ON r.app_id = f.app_id
  LEFT JOIN slugs s ON s.id = r.slug_id`;

export async function listFormation(db: Db, appId: string): Promise<FormationRow[]> {
  return (await db.query<FormationRow>(`${SELECT_FORMATION} WHERE f.app_id = $1 ORDER BY f.type`, [appId])).rows;
}

export interface FormationUpdate {
  type: string;
  /** Left out: the quantity stays. */
  quantity?: number;
  /** A change to the quantity instead (`web+1`, `web-2`), down to 0 at most. */
  delta?: number;
  /** A canonical size name (platform/lib/dyno-sizes.ts); left out: the size stays. */
  size?: string;
}

/**
 * Scales and resizes process types; each must exist in the current release. The app's row is
 * locked while the total is checked against `limits.maxDynos` (the API's quota; the platform's
 * own callers set none), so two requests cannot both pass it. Answers the whole formation after.
 */
export async function updateFormation(
  db: Db,
  appId: string,
  updates: FormationUpdate[],
  limits?: { maxDynos: number; appName: string },
  audit?: AuditEntry,
): Promise<FormationRow[]> {
  await transaction(db, async (client) => {
    await client.query("SELECT 1 FROM apps WHERE id = $1 FOR UPDATE", [appId]);
    const existing = (await client.query<FormationRow>(`${SELECT_FORMATION} WHERE f.app_id = $1`, [appId])).rows;
    for (const update of updates) {
      if (!existing.some((f) => f.type === update.type)) {
        const known = existing.map((f) => f.type).join(", ") || "none yet: deploy the app first";
        throw invalidParams(`No such process type ${update.type} defined in Procfile (process types: ${known}).`);
      }
    }
    const quantity = (f: FormationRow) => {
      const update = updates.find((u) => u.type === f.type);
      return update?.delta !== undefined ? Math.max(0, f.quantity + update.delta) : (update?.quantity ?? f.quantity);
    };
    const total = existing.reduce((sum, f) => sum + quantity(f), 0);
    const now = existing.reduce((sum, f) => sum + f.quantity, 0);
    // A change that adds no dynos passes: an app over a quota lowered since can still scale down or resize.
    if (limits && total > limits.maxDynos && total > now) {
      throw invalidParams(
        `Cannot run more than ${limits.maxDynos} dynos on ${limits.appName}: this change asks for ${total} (it runs ${now} now). ` +
          "Scale other process types down first.",
      );
    }
    for (const update of updates) {
      await client.query(
        `UPDATE formations SET quantity = $3, size = coalesce($4, size), updated_at = now()
         WHERE app_id = $1 AND type = $2`,
        [appId, update.type, quantity(existing.find((f) => f.type === update.type)!), update.size ?? null],
      );
    }
    await recordAuditIf(client, audit);
  });
  return listFormation(db, appId);
}

/**
 * Restarts process types (all of them when `types` is left out) by bumping their generation:
 * the dyno manager then replaces each of their dynos through the plan, by the app's strategy.
 * Returns the types restarted; none when the app has no such type.
 */
export async function restartFormation(db: Db, appId: string, types?: string[], audit?: AuditEntry): Promise<string[]> {
  return transaction(db, async (client) => {
    const { rows } = await client.query<{ type: string }>(
      `UPDATE formations SET generation = generation + 1, updated_at = now()
       WHERE app_id = $1 AND ($2::text[] IS NULL OR type = ANY($2::text[])) RETURNING type`,
      [appId, types ?? null],
    );
    if (rows.length) await recordAuditIf(client, audit);
    return rows.map((r) => r.type).sort();
  });
}

/** Sets how the app's dynos are replaced (platform/dynos/model.ts, Strategy). */
export async function setStrategy(db: Db, appId: string, strategy: Strategy, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("UPDATE apps SET strategy = $2, strategy_batch = $3, updated_at = now() WHERE id = $1", [appId, strategy.name, strategy.batch]);
    await recordAuditIf(client, audit);
  });
}
