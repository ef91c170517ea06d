// A migrated database of a test's own on the platform's PostgreSQL, for suites
// that run API routes in-process; `drop()` ends its pool and removes it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Db, createPool, migrate } from "../../platform/db/index.ts";
import { loadConfig, postgresUrl } from "../../platform/lib/config.ts";
import { dropDatabase } from "../../platform/lib/drop-database.ts";

async function asKernel(work: (kernel: pg.Client) => Promise<unknown>): Promise<void> {
  const kernel = new pg.Client(postgresUrl(loadConfig()));
  await kernel.connect();
  try {
    await work(kernel);
  } finally {
    await kernel.end();
  }
}

export async function throwawayDatabase(prefix: string): Promise<{ db: Db; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  await asKernel((kernel) => kernel.query(`CREATE DATABASE ${name}`));
  const db = createPool(Object.assign(new URL(postgresUrl(loadConfig())), { pathname: `/${name}` }).toString());
  await migrate(db);
  return {
    db,
    async drop() {
      await db.end();
      await asKernel((kernel) => dropDatabase(kernel, name));
    },
  };
}
