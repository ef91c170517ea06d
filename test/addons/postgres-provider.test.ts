// apps/postgres against the real add-on PostgreSQL, logged in as bootstrap's provider role and
// served over HTTP as its web dyno serves it: each add-on's credentials work on its own
// database and on no other, not on the kernel's, and within their connection limit.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADDON_CONNECTION_LIMIT, createPostgresProvider } from "../../apps/postgres/index.ts";
import { addonsPostgresAdmin, config, deprovisionOver, provisionOver, query, serve, withDatabase } from "./support.ts";

const secret = "test-provider-secret";

describe("postgres add-on provider", () => {
  let pool: pg.Pool;
  let server: Awaited<ReturnType<typeof serve>>;
  const a = randomUUID();
  const b = randomUUID();
  const c = randomUUID();

  beforeAll(async () => {
    pool = await addonsPostgresAdmin();
    server = await serve(createPostgresProvider({ admin: pool, server: { host: "127.0.0.1", port: config.addonsPostgresPort } }), secret);
  });

  afterAll(async () => {
    for (const id of [a, b, c]) await deprovisionOver(server.url, secret, id).catch(() => {});
    await server?.close();
    await pool?.end();
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
    expect(urlA).toMatch(new RegExp(`^postgres://addon_${short}:[0-9a-f]{48}@127\\.0\\.0\\.1:${config.addonsPostgresPort}/addon_${short}$`));

    await query(urlA, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('hello from a')");
    expect(await query(urlA, "SELECT body FROM notes")).toEqual([{ body: "hello from a" }]);

    const dbB = new URL(urlB).pathname.slice(1);
    const refused = /permission denied for database|no pg_hba.conf entry/;
    await expect(query(withDatabase(urlA, dbB), "SELECT 1")).rejects.toThrow(refused);
    await expect(query(withDatabase(urlB, new URL(urlA).pathname.slice(1)), "SELECT 1")).rejects.toThrow(refused);
    // The role has no rights beyond its database.
    expect(await query(urlA, "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user")).toEqual([
      { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false },
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

  it("hands out credentials that reach neither the kernel's database nor any other on the add-on cluster", async () => {
    const url = (await provisionOver(server.url, secret, b)).body.config.DATABASE_URL!;
    // The kernel's cluster does not know the role; the add-on cluster has no kernel database.
    await expect(query(withDatabase(url, "ouro", config.postgresPort), "SELECT 1")).rejects.toThrow(/password authentication failed/);
    await expect(query(withDatabase(url, new URL(url).pathname.slice(1), config.postgresPort), "SELECT 1")).rejects.toThrow(/password authentication failed/);
    for (const db of ["ouro", "postgres", "template1"]) {
      await expect(query(withDatabase(url, db), "SELECT 1"), db).rejects.toThrow(/no pg_hba.conf entry/);
    }
  });

  it(`holds each add-on to ${ADDON_CONNECTION_LIMIT} connections, its role's limit and its database's`, async () => {
    const url = (await provisionOver(server.url, secret, c)).body.config.DATABASE_URL!;
    const name = new URL(url).username;
    expect(await query(url, "SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [name])).toEqual([{ rolconnlimit: ADDON_CONNECTION_LIMIT }]);
    expect(await query(url, "SELECT datconnlimit FROM pg_database WHERE datname = $1", [name])).toEqual([{ datconnlimit: ADDON_CONNECTION_LIMIT }]);
    const held: pg.Client[] = [];
    try {
      for (let i = 0; i < ADDON_CONNECTION_LIMIT; i++) {
        const client = new pg.Client({ connectionString: url });
        client.on("error", () => {});
        await client.connect();
        held.push(client);
      }
      await expect(query(url, "SELECT 1")).rejects.toThrow(/too many connections for (role|database)/);
    } finally {
      await Promise.all(held.map((client) => client.end().catch(() => {})));
    }
    expect(await query(url, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
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
