import { createHash, randomBytes } from "node:crypto";
import { type AuditEntry, recordAuditIf } from "./audit.ts";
import { type Db, transaction } from "./pool.ts";
import { conflict, invalidParams, notFound } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";

export interface User {
  id: string;
  email: string;
  /** Sees and changes every app, system apps included, and manages users. */
  admin: boolean;
}

/**
 * What an API key may do: `global` is everything the user may do, `read` is GET/HEAD (and git
 * fetch) only, `cron` is the cron service's: read schedules and start the scheduled commands.
 */
export const API_KEY_SCOPES = ["global", "read", "cron"] as const;
/** The scopes a user may give a key they make; `cron` is made by bootstrap for the cron service. */
export const USER_KEY_SCOPES = ["global", "read"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key as stored (never the key itself, only its hash), with its owner. */
export interface ApiKeyRow {
  id: string;
  user_id: string;
  user_email: string;
  user_admin: boolean;
  description: string;
  scope: ApiKeyScope[];
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

const KEY_COLUMNS = `k.id, k.user_id, u.email AS user_email, u.admin AS user_admin, k.description, k.scope, k.expires_at,
  k.revoked_at, k.last_used_at, k.created_at, k.updated_at`;

/** The key's row whatever its state (revoked, expired), so the caller can say why it is refused. */
export async function findApiKey(db: Db, key: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1`,
    [hashKey(key)],
  );
  return rows[0];
}

export const isUsable = (key: ApiKeyRow, now = new Date()) =>
  key.revoked_at === null && (key.expires_at === null || key.expires_at > now);

/** The owner of a key that is neither revoked nor expired. */
export async function findUserByKey(db: Db, key: string): Promise<User | undefined> {
  const row = await findApiKey(db, key);
  return row && isUsable(row) ? { id: row.user_id, email: row.user_email, admin: row.user_admin } : undefined;
}

/** The user with this email, made when missing; `admin` given sets it either way. */
export async function ensureUser(db: Db, email: string, opts: { admin?: boolean } = {}): Promise<User> {
  const { rows } = await db.query<User>(
    `INSERT INTO users (email, admin) VALUES ($1, coalesce($2, false))
     ON CONFLICT (email) DO UPDATE SET admin = coalesce($2, users.admin) RETURNING id, email, admin`,
    [email, opts.admin ?? null],
  );
  return rows[0]!;
}

export interface UserRow extends User {
  created_at: Date;
  /** Apps they own. */
  apps: number;
}

const SELECT_USER = `SELECT u.id, u.email, u.admin, u.created_at,
  (SELECT count(*)::int FROM apps a WHERE a.owner_id = u.id) AS apps FROM users u`;

export async function listUsers(db: Db): Promise<UserRow[]> {
  return (await db.query<UserRow>(`${SELECT_USER} ORDER BY u.email`)).rows;
}

/** A user by email or id; undefined when there is none. */
export async function findUser(db: Db, emailOrId: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`${SELECT_USER} WHERE ${isUuid(emailOrId) ? "u.id = $1::uuid" : "lower(u.email) = lower($1)"}`, [emailOrId]);
  return rows[0];
}

/** A user by email or id; 404 naming it when there is none. */
export async function getUser(db: Db, emailOrId: string): Promise<UserRow> {
  const user = await findUser(db, emailOrId);
  if (!user) throw notFound(`Couldn't find that user: ${emailOrId}.`);
  return user;
}

export async function createUser(db: Db, email: string, audit?: AuditEntry): Promise<UserRow> {
  const id = await transaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO users (email) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1)) RETURNING id",
      [email],
    );
    if (!rows[0]) throw conflict(`A user with email ${email} already exists.`);
    await recordAuditIf(client, audit);
    return rows[0].id;
  });
  return getUser(db, id);
}

/**
 * Removes a user who owns no app (their keys and collaborations go with them; their builds and
 * releases stay, without a user). The apps are locked, so none can be transferred to them meanwhile.
 * With an entry, each app they leave gets a `collaborator.remove` entry of its own as well.
 */
export async function removeUser(db: Db, user: User, audit?: AuditEntry): Promise<void> {
  await transaction(db, async (client) => {
    await client.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [user.id]);
    const owned = await client.query<{ name: string }>("SELECT name FROM apps WHERE owner_id = $1 ORDER BY name FOR UPDATE", [user.id]);
    if (owned.rows.length) {
      const names = owned.rows.map((r) => r.name).join(", ");
      throw invalidParams(`${user.email} still owns ${names}: transfer each (ouro apps:transfer) or destroy it first.`);
    }
    const shared = await client.query<{ id: string; name: string }>(
      "SELECT a.id, a.name FROM collaborators c JOIN apps a ON a.id = c.app_id WHERE c.user_id = $1 ORDER BY a.name",
      [user.id],
    );
    await client.query("DELETE FROM users WHERE id = $1", [user.id]);
    await recordAuditIf(client, audit);
    for (const app of audit ? shared.rows : []) {
      await recordAuditIf(client, { ...audit!, action: "collaborator.remove", appId: app.id, app: app.name, detail: { email: user.email, reason: "user removed" } });
    }
  });
}

export interface NewApiKey {
  description?: string;
  scope?: ApiKeyScope[];
  /** Seconds from now; none means the key does not expire. */
  expiresIn?: number;
}

/** Creates a new API key for the user; the key is returned this once, only its hash is stored. */
export async function createApiKeyRow(db: Db, userId: string, opts: NewApiKey = {}, audit?: AuditEntry): Promise<{ key: string; row: ApiKeyRow }> {
  const key = `ouro_${randomBytes(24).toString("hex")}`;
  const id = await transaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO api_keys (user_id, key_hash, description, scope, expires_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $5::integer) END)
       RETURNING id`,
      [userId, hashKey(key), opts.description ?? "", opts.scope ?? ["global"], opts.expiresIn ?? null],
    );
    await recordAuditIf(client, audit && { ...audit, detail: { ...audit.detail, id: rows[0]!.id } });
    return rows[0]!.id;
  });
  return { key, row: (await getApiKey(db, userId, id))! };
}

/** Creates a new global API key for the user and returns it; only its hash is stored. */
export async function createApiKey(db: Db, userId: string, opts: NewApiKey = {}): Promise<string> {
  return (await createApiKeyRow(db, userId, opts)).key;
}

/** The user's keys that are not revoked (expired ones too: their owner may want to see them). */
export async function listApiKeys(db: Db, userId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.user_id = $1 AND k.revoked_at IS NULL ORDER BY k.created_at, k.id`,
    [userId],
  );
  return rows;
}

/** One of the user's keys that is not revoked; another user's key is not found, like a missing one. */
export async function getApiKey(db: Db, userId: string, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.user_id = $1 AND k.id = $2 AND k.revoked_at IS NULL`,
    [userId, id],
  );
  return rows[0];
}

/** Revokes one of the user's keys; the next request with it is refused. */
export async function revokeApiKey(db: Db, userId: string, id: string, audit?: AuditEntry): Promise<ApiKeyRow | undefined> {
  const revoked = await transaction(db, async (client) => {
    const { rowCount } = await client.query(
      "UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL",
      [userId, id],
    );
    if (rowCount) await recordAuditIf(client, audit);
    return rowCount === 1;
  });
  if (!revoked) return undefined;
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = $1`, [id]);
  return rows[0];
}

/** How stale `last_used_at` may get: writing it on every request would make every GET a write. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/** Records a use of the key, at most once a minute (the WHERE keeps racing requests to one write). */
export async function touchApiKey(db: Db, key: ApiKeyRow, now = new Date()): Promise<void> {
  if (key.last_used_at && now.getTime() - key.last_used_at.getTime() < LAST_USED_GRANULARITY_MS) return;
  await db.query(
    "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    [key.id],
  );
}
