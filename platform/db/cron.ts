// Where each app's cron entries live: the source its current release was built from. The
// entries themselves are read from that source by platform/cron.
import type { Db } from "./pool.ts";

export interface ReleaseSource {
  app: string;
  source_checksum: string;
}

// The source each app's current release was built from: release → slug → build.
// Releases made without a build (stage 0, config-only apps with no slug) have none.
const SELECT_SOURCES = `
  SELECT a.name AS app, b.source_checksum
  FROM apps a
  JOIN current_releases r ON r.app_id = a.id AND r.slug_id IS NOT NULL
  JOIN LATERAL (
    SELECT source_checksum FROM builds WHERE slug_id = r.slug_id ORDER BY created_at DESC LIMIT 1
  ) b ON true`;

/** The source of one app's current release, if it was built from one. */
export async function currentReleaseSource(db: Db, appId: string): Promise<ReleaseSource | undefined> {
  const { rows } = await db.query<ReleaseSource>(`${SELECT_SOURCES} WHERE a.id = $1`, [appId]);
  return rows[0];
}

/** The source of every app's current release, by app name. */
export async function currentReleaseSources(db: Db): Promise<ReleaseSource[]> {
  const { rows } = await db.query<ReleaseSource>(`${SELECT_SOURCES} ORDER BY a.name`);
  return rows;
}
