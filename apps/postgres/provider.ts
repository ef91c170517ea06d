// The postgres add-on: one role and one database per add-on, both `addon_<short id>`. The
// role may log in and owns its database; nobody else but the admin may connect to it.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { addonShortId, type Provider } from "../../platform/lib/addon-provider.ts";

export interface PostgresProviderOptions {
  /** A pool logged in as a role with CREATEDB CREATEROLE (never a superuser). */
  admin: pg.Pool;
  /** Where the add-on's users reach the server (the admin URL's host and port). */
  server: { host: string; port: number };
}

/** Role and database name of an add-on; derived from its id, so deprovision needs nothing stored. */
export const addonDatabaseName = (addonId: string) => `addon_${addonShortId(addonId)}`;

export function createPostgresProvider(options: PostgresProviderOptions): Provider {
  const { admin, server } = options;
  return {
    async provision({ addonId }) {
      const name = addonDatabaseName(addonId);
      const password = randomBytes(24).toString("hex");
      const role = `"${name}"`;
      const client = await admin.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]);
        // A repeated provision (the kernel retried) gets the same role with a new password.
        // (Only a superuser may even restate NOSUPERUSER, so ALTER sets just the password.)
        const pw = `PASSWORD ${client.escapeLiteral(password)}`;
        await client.query(exists.rowCount ? `ALTER ROLE ${role} LOGIN ${pw}` : `CREATE ROLE ${role} LOGIN NOCREATEDB NOCREATEROLE ${pw}`);
        // Owning a database means acting as its owner: the admin becomes a member of the role.
        await client.query(`GRANT ${role} TO CURRENT_USER`);
        const db = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (!db.rowCount) await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
        await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${role} FROM PUBLIC`);
      } finally {
        client.release();
      }
      const url = `postgres://${name}:${password}@${server.host}:${server.port}/${name}`;
      return { DATABASE_URL: url };
    },

    async deprovision(addonId) {
      const name = addonDatabaseName(addonId);
      const role = `"${name}"`;
      // FORCE terminates the add-on's open connections first.
      await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}
