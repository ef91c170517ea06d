// The postgres add-on: one role and one database per add-on, both `addon_<short id>`, on the
// add-on cluster (never the kernel's). The role may log in and owns its database; nobody else
// but the provider may connect to it, and each holds at most ADDON_CONNECTION_LIMIT connections.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { dropDatabase } from "../../platform/lib/drop-database.ts";
import { addonShortId, type Provider } from "../../platform/lib/addon-provider.ts";
import { ADDON_CONNECTION_LIMIT, DROP_ROLE_SQL, PUT_ROLE_SQL } from "./role-functions.ts";

export interface PostgresProviderOptions {
  /**
   * A pool logged in as the provider role: CREATEDB, no CREATEROLE (roles are made through the
   * functions of role-functions.ts), allowed only into the `postgres` database.
   */
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
      const quoted = `"${name}"`;
      // A repeated provision (the kernel retried) gets the same role with a new password. The
      // function also makes the role ours: owning a database means acting as its owner.
      await admin.query(PUT_ROLE_SQL, [name, password]);
      const db = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      // CREATE DATABASE cannot run inside a function (nor a transaction): it is the provider's own right.
      const limit = `CONNECTION LIMIT ${ADDON_CONNECTION_LIMIT}`;
      await admin.query(db.rowCount ? `ALTER DATABASE ${quoted} ${limit}` : `CREATE DATABASE ${quoted} OWNER ${quoted} ${limit}`);
      await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoted} FROM PUBLIC`);
      const url = `postgres://${name}:${password}@${server.host}:${server.port}/${name}`;
      return { DATABASE_URL: url };
    },

    async deprovision(addonId) {
      const name = addonDatabaseName(addonId);
      // The add-on's open connections are ended first; the role goes once it owns nothing.
      await dropDatabase(admin, name);
      await admin.query(DROP_ROLE_SQL, [name]);
    },
  };
}
