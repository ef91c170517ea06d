// apps/postgres against Ouro's real PostgreSQL, served over HTTP as its web dyno serves it:
// each add-on's credentials work on its own database and on no other.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresProvider } from "../../apps/postgres/index.ts";
import { deprovisionOver, provisionOver, serve, temporaryPostgresAdmin } from "./support.ts";

const secret = "test-provider-secret";

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const withDatabase = (url: string, db: string) => Object.assign(new URL(url), { pathname: `/${db}` }).toString();

describe("postgres add-on provider", () => {
  let admin: Awaited<ReturnType<typeof temporaryPostgresAdmin>>;
  let pool: pg.Pool;
  let server: Awaited<ReturnType<typeof serve>>;
  const a = randomUUID();
  const b = randomUUID();

  beforeAll(async () => {
    admin = await temporaryPostgresAdmin();
    pool = new pg.Pool({ connectionString: admin.url, max: 2 });
    server = await serve(createPostgresProvider({ admin: pool, server: { host: "127.0.0.1", port: Number(new URL(admin.url).port) } }), secret);
  });

  afterAll(async () => {
    for (const id of [a, b]) await deprovisionOver(server.url, secret, id).catch(() => {});
    await server?.close();
    await pool?.end();
    await admin?.drop();
  });

  it("refuses a caller without the provider secret", async () => {
    const res = await provisionOver(server.url, "wrong", a);
    expect(res.status).toBe(401);
    expect(res.body.id).toBe("unauthorized");
  });

  it("provisions a database only its own role can use, and removes it on deprovision", async () => {
    const one = await provisionOver(server.url, secret, a);
    const two = await provisionOver(server.url, secret, b);
    expect(one.status).toBe(200);
    const urlA = one.body.config.DATABASE_URL!;
    const urlB = two.body.config.DATABASE_URL!;
    const short = a.replace(/-/g, "").slice(0, 12);
    expect(urlA).toMatch(new RegExp(`^postgres://addon_${short}:[0-9a-f]{48}@127\\.0\\.0\\.1:\\d+/addon_${short}$`));

    await query(urlA, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('hello from a')");
    expect(await query(urlA, "SELECT body FROM notes")).toEqual([{ body: "hello from a" }]);

    const dbB = new URL(urlB).pathname.slice(1);
    await expect(query(withDatabase(urlA, dbB), "SELECT 1")).rejects.toThrow(/permission denied for database/);
    await expect(query(withDatabase(urlB, new URL(urlA).pathname.slice(1)), "SELECT 1")).rejects.toThrow(/permission denied for database/);
    // The role has no rights beyond its database.
    expect(await query(urlA, "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")).toEqual([
      { rolsuper: false, rolcreatedb: false, rolcreaterole: false },
    ]);

    // An open connection does not keep the database alive.
    const open = new pg.Client({ connectionString: urlA });
    open.on("error", () => {});
    await open.connect();
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    await open.end().catch(() => {});
    await expect(query(urlA, "SELECT 1")).rejects.toThrow(/password authentication failed|does not exist/);
    expect(await deprovisionOver(server.url, secret, a)).toBe(204);
    expect(await query(urlB, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });

  it("answers a repeated provision with new credentials on the same database", async () => {
    const first = await provisionOver(server.url, secret, b);
    const again = await provisionOver(server.url, secret, b);
    expect(new URL(again.body.config.DATABASE_URL!).pathname).toBe(new URL(first.body.config.DATABASE_URL!).pathname);
    await expect(query(first.body.config.DATABASE_URL!, "SELECT 1")).rejects.toThrow(/password authentication failed/);
    expect(await query(again.body.config.DATABASE_URL!, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  });

  it("refuses a malformed add-on id", async () => {
    const res = await provisionOver(server.url, secret, "../etc");
    expect(res.status).toBe(422);
    expect(await deprovisionOver(server.url, secret, "x%22%3B%20DROP")).toBe(422);
  });
});
