import type { Db } from "./pool.ts";

export async function audit(
  db: Db,
  entry: { actor: string; action: string; app?: string; detail?: Record<string, unknown> },
): Promise<void> {
  await db.query("INSERT INTO audit_log (actor, action, app, detail) VALUES ($1, $2, $3, $4)", [
    entry.actor,
    entry.action,
    entry.app ?? null,
    entry.detail ?? {},
  ]);
}
