// An app's buildpack list (`buildpack_installations`): what BuildJob.buildpacks carries.
import { type Db, transaction } from "./pool.ts";
import { type AuditEntry, recordAuditIf } from "./audit.ts";

export interface BuildpackInstallationRow {
  ordinal: number; // 0-based, the order they run in
  url: string; // "nodejs", "https://…/bp.tgz", "https://…/bp.git#v2"
}

export async function listBuildpackInstallations(db: Db, appId: string): Promise<BuildpackInstallationRow[]> {
  const { rows } = await db.query<BuildpackInstallationRow>(
    "SELECT ordinal, url FROM buildpack_installations WHERE app_id = $1 ORDER BY ordinal",
    [appId],
  );
  return rows;
}

/** The app's buildpacks in order; empty means "detect". */
export async function appBuildpacks(db: Db, appId: string): Promise<string[]> {
  return (await listBuildpackInstallations(db, appId)).map((row) => row.url);
}

/** Replaces the app's list (an empty list clears it). */
export async function setAppBuildpacks(db: Db, appId: string, urls: string[], audit?: AuditEntry): Promise<BuildpackInstallationRow[]> {
  await transaction(db, async (client) => {
    // Serialises concurrent replacements of the same app's list.
    await client.query("SELECT id FROM apps WHERE id = $1 FOR UPDATE", [appId]);
    await client.query("DELETE FROM buildpack_installations WHERE app_id = $1", [appId]);
    for (const [ordinal, url] of urls.entries()) {
      await client.query("INSERT INTO buildpack_installations (app_id, ordinal, url) VALUES ($1, $2, $3)", [appId, ordinal, url]);
    }
    await recordAuditIf(client, audit);
  });
  return urls.map((url, ordinal) => ({ ordinal, url }));
}
