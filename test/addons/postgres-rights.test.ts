// The postgres provider's role on the real add-on cluster holds only what it needs: no
// CREATEROLE, roles made only through the SECURITY DEFINER functions and only when named
// `addon_<12 hex>`, no way into an add-on's database or onto the kernel's cluster.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE_FUNCTIONS_OWNER, ROLE_FUNCTIONS_SCHEMA } from "../../apps/postgres/index.ts";
import { ADDONS_ADMIN } from "../../platform/bootstrap/addon-datastores.ts";
import { postgresBinDir } from "../../platform/bootstrap/services.ts";
import { dropDatabase } from "../../platform/lib/drop-database.ts";
import { addonsPostgresAdmin, addonsPostgresAdminUrl, config, query, suffix, withDatabase } from "./support.ts";

const password = "p".repeat(40);
const putRole = `SELECT ${ROLE_FUNCTIONS_SCHEMA}.put_role($1, $2)`;
const dropRole = `SELECT ${ROLE_FUNCTIONS_SCHEMA}.drop_role($1)`;

/** SQL as the add-on cluster's superuser, over its unix socket, as bootstrap runs it. */
function asSuperuser(sql: string): string {
  const dir = join(config.dataDir, "addons-postgres");
  const psql = join(postgresBinDir()!, "psql");
  const args = ["-u", "postgres", "--", psql, "-h", join(dir, "run"), "-p", String(config.addonsPostgresPort), "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAqc", sql];
  const result = spawnSync("runuser", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql as the superuser failed: ${result.stderr}`);
  return result.stdout.trim();
}

describe("the postgres provider's rights on the add-on cluster", () => {
  let admin: pg.Pool;
  const role = `addon_${suffix()}${suffix()}`;
  const strong = `addon_${suffix()}${suffix()}`;

  beforeAll(async () => {
    admin = await addonsPostgresAdmin();
  });
  afterAll(async () => {
    if (admin) await dropDatabase(admin, role).catch(() => {});
    await admin?.query(dropRole, [role]).catch(() => {});
    if (admin) asSuperuser(`DROP ROLE IF EXISTS ${strong}`);
    await admin?.end();
  });

  it("has CREATEDB and not CREATEROLE, and cannot create, alter or drop a role by itself", async () => {
    expect((await admin.query("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")).rows).toEqual([
      { rolsuper: false, rolcreatedb: true, rolcreaterole: false },
    ]);
    await expect(admin.query(`CREATE ROLE ${role} LOGIN`)).rejects.toThrow(/permission denied to create role/);
    await expect(admin.query(`ALTER ROLE postgres PASSWORD 'x'`)).rejects.toThrow(/permission denied|must be superuser/);
    await expect(admin.query(`ALTER ROLE ${ADDONS_ADMIN} CREATEROLE`)).rejects.toThrow(/permission denied|must be superuser/);
    await expect(admin.query(`GRANT ouro_addon_roles TO ${ADDONS_ADMIN}`)).rejects.toThrow(/must have admin option|permission denied/);
  });

  it("makes, re-keys and drops an add-on role through the functions", async () => {
    await admin.query(putRole, [role, password]);
    await admin.query(`CREATE DATABASE "${role}" OWNER "${role}"`);
    const tenant = (pw: string) => `postgres://${role}:${pw}@127.0.0.1:${config.addonsPostgresPort}/${role}`;
    expect(await query(tenant(password), "SELECT current_user AS who")).toEqual([{ who: role }]);
    await admin.query(putRole, [role, "q".repeat(40)]);
    await expect(query(tenant(password), "SELECT 1")).rejects.toThrow(/password authentication failed/);
    expect(await query(tenant("q".repeat(40)), "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    await admin.query(`DROP DATABASE "${role}"`);
    await admin.query(dropRole, [role]);
    expect((await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount).toBe(0);
  });

  it("refuses through the functions any role not named addon_<12 hex>, or one with rights an add-on role never has", async () => {
    for (const name of [ADDONS_ADMIN, "postgres", "ouro_addon_roles", "addon_ABCDEF012345", "addon_0123", `${role}x`, `${role}"; DROP ROLE postgres; --`]) {
      await expect(admin.query(putRole, [name, password]), name).rejects.toThrow(/not an add-on role/);
      await expect(admin.query(dropRole, [name]), name).rejects.toThrow(/not an add-on role/);
    }
    await expect(admin.query(putRole, [role, "short"])).rejects.toThrow(/at least 32 characters/);
    // A role named like an add-on's but made otherwise: re-keying it would hand its rights over.
    asSuperuser(`CREATE ROLE ${strong} NOLOGIN CREATEDB`);
    await expect(admin.query(putRole, [strong, password])).rejects.toThrow(/has rights an add-on role never has/);
    expect((await admin.query("SELECT pg_has_role(current_user, $1, 'MEMBER') AS member", [strong])).rows).toEqual([{ member: false }]);
  });

  it("lets no other role call the functions, which run with a safe search_path", async () => {
    // Every role but the superusers: only the provider and the functions' owner may execute them.
    for (const fn of ["put_role(text, text)", "drop_role(text)"]) {
      const callers = asSuperuser(`SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE NOT rolsuper AND has_function_privilege(oid, '${ROLE_FUNCTIONS_SCHEMA}.${fn}', 'EXECUTE')`);
      expect(callers.split(" ").sort(), fn).toEqual([ADDONS_ADMIN, ROLE_FUNCTIONS_OWNER].sort());
      expect(asSuperuser(`SELECT has_function_privilege('public', '${ROLE_FUNCTIONS_SCHEMA}.${fn}', 'EXECUTE')`), fn).toBe("f");
    }
    expect(asSuperuser(`SELECT string_agg(p.proconfig::text, ' ') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '${ROLE_FUNCTIONS_SCHEMA}' AND p.prosecdef`)).toMatch(
      /^\{"search_path=pg_catalog, pg_temp"\} \{"search_path=pg_catalog, pg_temp"\}$/,
    );
  });

  it("cannot open an add-on's database, nor log in as the superuser, nor reach the kernel's cluster", async () => {
    const url = addonsPostgresAdminUrl();
    await admin.query(putRole, [role, password]);
    if (!(await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [role])).rowCount) await admin.query(`CREATE DATABASE "${role}" OWNER "${role}"`);
    await expect(query(withDatabase(url, role), "SELECT 1")).rejects.toThrow(/pg_hba.conf rejects connection|no pg_hba.conf entry/);
    await expect(query(`postgres://postgres:x@127.0.0.1:${config.addonsPostgresPort}/postgres`, "SELECT 1")).rejects.toThrow(/pg_hba.conf rejects connection/);
    for (const db of ["ouro", "postgres"]) {
      await expect(query(withDatabase(url, db, config.postgresPort), "SELECT 1"), db).rejects.toThrow(/password authentication failed/);
    }
  });
});
