// What the dashboard keeps in the user's browser only: the signed-in user's API key (with who
// they are and what the key may do), and a redirect's flash message, each sealed (AES-256-GCM
// under the dashboard's secret, with what it is for and an expiry inside) in an HttpOnly,
// SameSite=Strict cookie. The dashboard stores nothing, so any of its web dynos serves any
// request and a restart signs no one out; signing out clears the cookie, and a sealed key
// expires after SESSION_HOURS whatever the browser keeps.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export const SESSION_COOKIE = "ouro_session";
export const FLASH_COOKIE = "ouro_flash";
export const SESSION_HOURS = 12;

export interface Session {
  key: string;
  email: string;
  admin: boolean;
  /** The key's scope: `global` may change things, `read` only look. */
  scope: string[];
}

const keyOf = (secret: string) => createHash("sha256").update(`ouro-dashboard-cookie\0${secret}`).digest();

/** `value` sealed for `purpose` until `ttlMs` from now: base64url of IV, tag and ciphertext. */
export function seal(secret: string, purpose: string, value: unknown, ttlMs: number, now = Date.now()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify({ p: purpose, e: now + ttlMs, v: value })), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** What a cookie sealed for `purpose` holds; undefined for one forged, altered, expired or sealed for something else. */
export function unseal(secret: string, purpose: string, sealed: string | undefined, now = Date.now()): unknown {
  if (!sealed) return undefined;
  const raw = Buffer.from(sealed, "base64url");
  if (raw.length < 12 + 16 + 2) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const opened = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")) as { p?: unknown; e?: unknown; v?: unknown };
    return opened.p === purpose && typeof opened.e === "number" && opened.e > now ? opened.v : undefined;
  } catch {
    return undefined;
  }
}

export const sealSession = (secret: string, session: Session, now = Date.now()) => seal(secret, SESSION_COOKIE, session, SESSION_HOURS * 3_600_000, now);

export function unsealSession(secret: string, sealed: string | undefined, now = Date.now()): Session | undefined {
  const v = unseal(secret, SESSION_COOKIE, sealed, now) as Partial<Session> | undefined;
  const valid = v && typeof v.key === "string" && typeof v.email === "string" && typeof v.admin === "boolean" && Array.isArray(v.scope);
  return valid ? (v as Session) : undefined;
}

/**
 * The cookies of a request, by name. Of two with one name, the first is kept: the browser sends
 * the dashboard's own first, before one an app of the same domain set for the whole domain.
 */
export function cookies(header: string | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    const name = part.slice(0, at).trim();
    if (at <= 0 || name in found) continue;
    try {
      found[name] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      // A value that is not URI-encoded is not one of ours.
    }
  }
  return found;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS. */
export function cookie(name: string, value: string, opts: { secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}
