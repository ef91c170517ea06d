// The signed-in user's API key, kept in their browser only: sealed (AES-256-GCM, under the
// dashboard's secret) in an HttpOnly, SameSite=Strict cookie. The dashboard stores nothing, so
// any of its web dynos serves any request and a restart signs no one out; signing out clears
// the cookie, and a sealed key expires after SESSION_HOURS whatever the browser keeps.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export const SESSION_COOKIE = "ouro_session";
export const SESSION_HOURS = 12;

interface Sealed {
  /** The API key. */
  k: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

const keyOf = (secret: string) => createHash("sha256").update(`ouro-dashboard-session\0${secret}`).digest();

export function seal(secret: string, apiKey: string, now = Date.now()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify({ k: apiKey, e: now + SESSION_HOURS * 3_600_000 } satisfies Sealed)), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The API key a cookie holds; undefined for one that is forged, altered, expired or not ours. */
export function unseal(secret: string, cookie: string | undefined, now = Date.now()): string | undefined {
  if (!cookie) return undefined;
  const raw = Buffer.from(cookie, "base64url");
  if (raw.length < 12 + 16 + 2) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const sealed = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")) as Sealed;
    return typeof sealed.k === "string" && typeof sealed.e === "number" && sealed.e > now ? sealed.k : undefined;
  } catch {
    return undefined;
  }
}

/** The cookies of a request, by name. */
export function cookies(header: string | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    try {
      found[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
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
