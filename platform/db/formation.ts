import type { Db } from "./pool.ts";
import { invalidParams } from "../lib/errors.ts";

export interface FormationRow {
  id: string;
  app_id: string;
  type: string;
  quantity: number;
  size: string;
  command: string | null;
  created_at: Date;
  updated_at: Date;
}

const SELECT_FORMATION = `
  SELECT f.id, f.app_id, f.type, f.quantity, f.size, f.created_at, f.updated_at,
         s.process_types ->> f.type AS command
  FROM formations f
  LEFT JOIN current_releases r ON r.app_id = f.app_id
  LEFT JOIN slugs s ON s.id = r.slug_id`;

export async function listFormation(db: Db, appId: string): Promise<FormationRow[]> {
  return (await db.query<FormationRow>(`${SELECT_FORMATION} WHERE f.app_id = $1 ORDER BY f.type`, [appId])).rows;
}

export interface FormationUpdate {
  type: string;
  quantity: number;
}

/** Scales process types; each must exist in the current release. */
export async function updateFormation(db: Db, appId: string, updates: FormationUpdate[]): Promise<FormationRow[]> {
  const existing = await listFormation(db, appId);
  for (const update of updates) {
    if (!existing.some((f) => f.type === update.type)) {
      const known = existing.map((f) => f.type).join(", ") || "none yet: deploy the app first";
      throw invalidParams(`No such process type ${update.type} defined in Procfile (process types: ${known}).`);
    }
  }
  for (const update of updates) {
    await db.query("UPDATE formations SET quantity = $3, updated_at = now() WHERE app_id = $1 AND type = $2", [
      appId,
      update.type,
      update.quantity,
    ]);
  }
  const types = new Set(updates.map((u) => u.type));
  return (await listFormation(db, appId)).filter((f) => types.has(f.type));
}
