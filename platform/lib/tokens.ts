// Scoped bearer tokens: an HMAC of the scope ("build:<id>", "hook:<app>:<user>:<address>") under
// the platform's secret. A dyno holding one can reach only that scope; the route that
// verifies it checks the rest (a build's token works only while the build is pending).
import { createHmac, timingSafeEqual } from "node:crypto";
import { forbidden, unauthorized } from "./errors.ts";
import { isUuid } from "./ids.ts";

export function scopedToken(secret: string, scope: string): string {
  return createHmac("sha256", secret).update(scope).digest("hex");
}

export function verifyScopedToken(secret: string, scope: string, token: string | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(scopedToken(secret, scope));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The token of an `Authorization: Bearer <token>` header: scoped tokens come only this way. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.replace(/^Bearer /i, "");
}

/** A build dyno's credential: that one build's source, cache, config, output, slug and result. */
export const buildScope = (buildId: string) => `build:${buildId}`;

/** A standby build dyno's credential: only to wait for the build that takes it, and be given that build's credential. */
export const standbyScope = (runId: string) => `standby:${runId}`;

/** The challenge a build proves it holds a layer's bytes with: that build's, for that layer, known to no other. */
export const layerProofScope = (buildId: string, checksum: string) => `layer-proof:${buildId}:${checksum}`;

/** The builder worker's credential: start and watch build dynos, fail a build whose dyno died. */
export const BUILDER_SCOPE = "builder";

/**
 * A URL that is its own credential (a log session, a build's output, an uploaded source): what it
 * grants (`scope`: what it names, e.g. `logs:<session id>`) and its query (who, until when, what
 * else) signed together, so no part can be changed or moved to another URL.
 */
export function signQuery(secret: string, scope: string, params: URLSearchParams): URLSearchParams {
  const signed = new URLSearchParams(params);
  signed.delete("token");
  signed.set("token", scopedToken(secret, `${scope}:${signed.toString()}`));
  return signed;
}

/** The query of a URL signed by signQuery for `scope`, without its token; undefined if it was not. */
export function verifiedQuery(secret: string, scope: string, query: string): URLSearchParams | undefined {
  const params = new URLSearchParams(query);
  const token = params.get("token") ?? undefined;
  params.delete("token");
  return verifyScopedToken(secret, `${scope}:${params.toString()}`, token) ? params : undefined;
}

/** What a URL made for one user grants until a time (a build's output, a source to upload to). */
export interface UserGrant {
  userId: string;
  expiresAt: Date;
}

/** The query of such a URL for `scope` (what it names): `user_id`, `expires`, and the token over both. */
export function userGrantQuery(secret: string, scope: string, grant: UserGrant): URLSearchParams {
  return signQuery(secret, scope, new URLSearchParams({ user_id: grant.userId, expires: String(grant.expiresAt.getTime()) }));
}

/** The grant of a query userGrantQuery made for `scope`: 401 `invalid` if it was altered or made for another, 403 `expired` at `now` past it. */
export function openUserGrant(secret: string, scope: string, query: string, now: Date, say: { invalid: string; expired: string }): UserGrant {
  const params = verifiedQuery(secret, scope, query);
  const userId = params?.get("user_id") ?? "";
  const expires = Number(params?.get("expires"));
  if (!params || !isUuid(userId) || !Number.isSafeInteger(expires)) throw unauthorized(say.invalid);
  if (now.getTime() >= expires) throw forbidden(say.expired);
  return { userId, expiresAt: new Date(expires) };
}
