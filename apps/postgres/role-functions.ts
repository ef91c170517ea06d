// The server side of the postgres provider's rights, in one place because both ends name it:
// bootstrap installs these functions on the add-on cluster, the provider calls them. The
// provider's login role has no CREATEROLE: it makes, re-keys and drops add-on roles only
// through these SECURITY DEFINER functions, owned by a NOLOGIN role that has CREATEROLE, and
// they touch no role but one named `addon_<12 hex digits>`.

/** Connections one add-on may hold: its role's and its database's CONNECTION LIMIT (Heroku essential's number). */
export const ADDON_CONNECTION_LIMIT = 20;

/** The schema holding the functions, in the add-on cluster's `postgres` database. */
export const ROLE_FUNCTIONS_SCHEMA = "ouro_addon_roles";

/** The NOLOGIN role that owns the functions and holds CREATEROLE for them. */
export const ROLE_FUNCTIONS_OWNER = "ouro_addon_roles";

export const ADDON_ROLE_PATTERN = "^addon_[0-9a-f]{12}$";

/** Calls as the provider makes them: create or re-key a role (and make it ours), drop one. */
export const PUT_ROLE_SQL = `SELECT ${ROLE_FUNCTIONS_SCHEMA}.put_role($1, $2)`;
export const DROP_ROLE_SQL = `SELECT ${ROLE_FUNCTIONS_SCHEMA}.drop_role($1)`;

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
};

/**
 * The SQL that installs the functions, run by bootstrap as the superuser in the `postgres`
 * database; idempotent. `provider` is the provider's login role: the only one that may call
 * them, and the one each add-on role is granted to (CREATE DATABASE … OWNER needs membership
 * in the owner, DROP DATABASE its privileges).
 */
export function roleFunctionsSql(provider: string): string {
  const owner = ident(ROLE_FUNCTIONS_OWNER);
  const schema = ident(ROLE_FUNCTIONS_SCHEMA);
  const caller = ident(provider);
  // search_path: pg_catalog first and pg_temp last, so a caller's objects shadow nothing.
  const secure = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp";
  const checkName = `
  IF role_name IS NULL OR role_name !~ '${ADDON_ROLE_PATTERN}' THEN
    RAISE EXCEPTION 'not an add-on role: %', role_name USING ERRCODE = 'insufficient_privilege';
  END IF;`;
  return `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE ${owner}; END IF;
END $$;
ALTER ROLE ${owner} NOLOGIN CREATEROLE NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS;
CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION postgres;
REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${schema} TO ${caller};

CREATE OR REPLACE FUNCTION ${schema}.put_role(role_name text, role_password text) RETURNS void ${secure} AS $fn$
DECLARE
  existing pg_roles%ROWTYPE;
BEGIN${checkName}
  IF role_password IS NULL OR length(role_password) < 32 THEN
    RAISE EXCEPTION 'an add-on role''s password has at least 32 characters' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO existing FROM pg_roles WHERE rolname = role_name;
  IF NOT FOUND THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT %s PASSWORD %L',
                   role_name, ${ADDON_CONNECTION_LIMIT}, role_password);
  ELSIF existing.rolsuper OR existing.rolcreatedb OR existing.rolcreaterole OR existing.rolreplication OR existing.rolbypassrls THEN
    -- Not one these functions made: re-keying it would hand its rights to the caller.
    RAISE EXCEPTION 'role % has rights an add-on role never has', role_name USING ERRCODE = 'insufficient_privilege';
  ELSE
    EXECUTE format('ALTER ROLE %I LOGIN CONNECTION LIMIT %s PASSWORD %L', role_name, ${ADDON_CONNECTION_LIMIT}, role_password);
  END IF;
  IF NOT pg_has_role('${caller}', role_name, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', role_name, '${caller}');
  END IF;
END $fn$;

CREATE OR REPLACE FUNCTION ${schema}.drop_role(role_name text) RETURNS void ${secure} AS $fn$
BEGIN${checkName}
  EXECUTE format('DROP ROLE IF EXISTS %I', role_name);
END $fn$;

ALTER FUNCTION ${schema}.put_role(text, text) OWNER TO ${owner};
ALTER FUNCTION ${schema}.drop_role(text) OWNER TO ${owner};
REVOKE ALL ON FUNCTION ${schema}.put_role(text, text), ${schema}.drop_role(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ${schema}.put_role(text, text), ${schema}.drop_role(text) TO ${caller};
`;
}
