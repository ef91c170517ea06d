// A build's output_stream_url, as Heroku's: a URL that is its own credential, naming the build
// and the user it was made for, valid to open for an hour after it was made. Opened, it streams
// the build's output from its first line to its end, plain text or Server-Sent Events.
import { forbidden, unauthorized } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";
import { signQuery, verifiedQuery } from "../lib/tokens.ts";

export const BUILD_OUTPUT_TTL_MS = 60 * 60_000;

const NOT_VALID = "This build output URL is not valid: read the build again for a new one (GET /apps/:app/builds/:id).";

export interface BuildOutputGrant {
  buildId: string;
  /** Who it was made for: the stream is theirs only while they may still reach the app. */
  userId: string;
  expiresAt: Date;
}

export function buildOutputPath(secret: string, grant: BuildOutputGrant): string {
  const params = new URLSearchParams({ user_id: grant.userId, expires: String(grant.expiresAt.getTime()) });
  return `/build-outputs/${grant.buildId}?${signQuery(secret, `build-output:${grant.buildId}`, params).toString()}`;
}

/** The grant of a build output URL; refuses one altered or made for another build (401) or past its expiry (403). */
export function openBuildOutput(secret: string, buildId: string, query: string, now: Date): BuildOutputGrant {
  const params = verifiedQuery(secret, `build-output:${buildId}`, query);
  if (!params) throw unauthorized(NOT_VALID);
  const userId = params.get("user_id") ?? "";
  const expires = Number(params.get("expires"));
  if (!isUuid(buildId) || !isUuid(userId) || !Number.isSafeInteger(expires)) throw unauthorized(NOT_VALID);
  if (now.getTime() >= expires) throw forbidden("This build output URL has expired: read the build again for a new one.");
  return { buildId, userId, expiresAt: new Date(expires) };
}
