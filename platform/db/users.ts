import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./pool.ts";

export interface User {
  id: string;
  email: string;
}

/** What an API key may do: `global` is everything, `read` is GET/HEAD (and git fetch) only. */
export const API_KEY_SCOPES = ["global", "read"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key as stored (never the key itself, only its hash), with its owner. */
export interface ApiKeyRow {
  id: string;
  user_id: string;
  user_email: string;
  description: string;
  scope: ApiKeyScope[];
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

const KEY_COLUMNS = `k.id, k.user_id, u.email AS user_email, k.description, k.scope, k.expires_at,
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
  return row && isUsable(row) ? { id: row.user_id, email: row.user_email } : undefined;
}

export async function ensureUser(db: Db, email: string): Promise<User> {
  const { rows } = await db.query<User>(
    `INSERT INTO users (email) VALUES ($1)
     ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id, email`,
    [email],
  );
  return rows[0]!;
}

export interface NewApiKey {
  description?: string;
  scope?: ApiKeyScope[];
  /** Seconds from now; none means the key does not expire. */
  expiresIn?: number;
}

/** Creates a new API key for the user; the key is returned this once, only its hash is stored. */
export async function createApiKeyRow(db: Db, userId: string, opts: NewApiKey = {}): Promise<{ key: string; row: ApiKeyRow }> {
  const key = `ouro_${randomBytes(24).toString("hex")}`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO api_keys (user_id, key_hash, description, scope, expires_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $5::integer) END)
     RETURNING id`,
    [userId, hashKey(key), opts.description ?? "", opts.scope ?? ["global"], opts.expiresIn ?? null],
  );
  return { key, row: (await getApiKey(db, userId, rows[0]!.id))! };
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
export async function revokeApiKey(db: Db, userId: string, id: string): Promise<ApiKeyRow | undefined> {
  const { rowCount } = await db.query(
    "UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL",
    [userId, id],
  );
  if (!rowCount) return undefined;
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
