import pg from "pg";

// bigint counts (slug sizes) fit comfortably in a JS number.
pg.types.setTypeParser(20, (value) => Number(value));

export type Db = pg.Pool;

export function createPool(url: string, log: (line: string) => void = (line) => console.error(line)): Db {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client whose server went away emits this; unheard, it would end the process.
  pool.on("error", (error) => log(`postgres: idle client lost: ${error.message}`));
  return pool;
}

/** Runs `work` in a transaction on one client. */
export async function transaction<T>(db: Db, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
