// Dropping a database that may still have sessions, as a role that is not a superuser.
// `DROP DATABASE … WITH (FORCE)` is refused outright when an autovacuum worker happens to be in
// the database ("must be a member of the role whose process is being terminated"): a worker
// belongs to no role, and a freshly written database is just where one goes (seen in CI). So
// the door is shut first (no session can come back between the two steps), the clients'
// sessions are ended, and a plain DROP DATABASE stops any autovacuum worker itself and waits up
// to 5 s for the ended sessions to go.
import type pg from "pg";

type Queryable = Pick<pg.Pool | pg.Client, "query">;

/** Drops `name` if it exists; the caller must own it (or be a member of its owner). */
export async function dropDatabase(db: Queryable, name: string): Promise<void> {
  const quoted = `"${name.replaceAll('"', '""')}"`;
  const found = await db.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!found.rowCount) return;
  await db.query(`ALTER DATABASE ${quoted} ALLOW_CONNECTIONS false`);
  await db.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    [name],
  );
  await db.query(`DROP DATABASE IF EXISTS ${quoted}`);
}
