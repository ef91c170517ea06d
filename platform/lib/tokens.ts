// Scoped bearer tokens: an HMAC of the scope ("build:<id>", "hook:<app>:<user>:<address>") under
// the platform's secret. A dyno holding one can reach only that scope; the route that
// verifies it checks the rest (a build's token works only while the build is pending).
import { createHmac, timingSafeEqual } from "node:crypto";

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
