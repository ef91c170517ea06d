// Dropping a database that still has sessions, as the kernel's role (not a superuser), on the
// real PostgreSQL: the sessions are ended and the database goes; one that is gone already is
// no error.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, postgresUrl } from "../../platform/lib/config.ts";
import { dropDatabase } from "../../platform/lib/drop-database.ts";

const url = postgresUrl(loadConfig());
let kernel: pg.Client;

beforeAll(async () => {
  kernel = new pg.Client(url);
  await kernel.connect();
});
afterAll(async () => {
  await kernel?.end();
});

const exists = async (name: string) => (await kernel.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;

describe("dropDatabase", () => {
  it("ends the sessions still open on the database and drops it", async () => {
    const name = `ouro_drop_test_${randomBytes(4).toString("hex")}`;
    await kernel.query(`CREATE DATABASE ${name}`);
    const held = new pg.Client(Object.assign(new URL(url), { pathname: `/${name}` }).toString());
    const lost = new Promise<Error>((resolve) => held.on("error", resolve));
    await held.connect();
    await held.query("CREATE TABLE t AS SELECT generate_series(1, 1000) AS n");

    await dropDatabase(kernel, name);

    expect(await exists(name)).toBe(false);
    expect((await lost).message).toMatch(/terminating connection/);
    await held.end().catch(() => {});
  });

  it("does nothing for a database that does not exist", async () => {
    const name = `ouro_drop_test_${randomBytes(4).toString("hex")}`;
    await expect(dropDatabase(kernel, name)).resolves.toBeUndefined();
    expect(await exists(name)).toBe(false);
  });
});
