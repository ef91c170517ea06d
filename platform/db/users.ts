import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./pool.ts";

export interface User {
  id: string;
  email: string;
}

export const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function findUserByKey(db: Db, key: string): Promise<User | undefined> {
  const { rows } = await db.query<User>(
    "SELECT u.id, u.email FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1",
    [hashKey(key)],
  );
  return rows[0];
}

export async function ensureUser(db: Db, email: string): Promise<User> {
  const { rows } = await db.query<User>(
    `INSERT INTO users (email) VALUES ($1)
     ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id, email`,
    [email],
  );
  return rows[0]!;
}

/** Creates a new API key for the user and returns it; only its hash is stored. */
export async function createApiKey(db: Db, userId: string): Promise<string> {
  const key = `ouro_${randomBytes(24).toString("hex")}`;
  await db.query("INSERT INTO api_keys (user_id, key_hash) VALUES ($1, $2)", [userId, hashKey(key)]);
  return key;
}
