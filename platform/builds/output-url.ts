// A build's or a release's output_stream_url, as Heroku's: a URL that is its own credential,
// naming the build (or release) and the user it was made for, valid to open for an hour after it
// was made. Opened, it streams the build's output (or the release phase's) from its first line to
// its end, plain text or Server-Sent Events.
import { unauthorized } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";
import { type UserGrant, openUserGrant, userGrantQuery } from "../lib/tokens.ts";

export const OUTPUT_URL_TTL_MS = 60 * 60_000;

export type OutputOf = "build" | "release";

const PATHS: Record<OutputOf, string> = { build: "/build-outputs", release: "/release-outputs" };

/** `userId`: who it was made for; the stream is theirs only while they may still reach the app. */
export interface OutputGrant extends UserGrant {
  /** The build's id, or the release's. */
  id: string;
}

export function outputPath(secret: string, of: OutputOf, grant: OutputGrant): string {
  return `${PATHS[of]}/${grant.id}?${userGrantQuery(secret, `${of}-output:${grant.id}`, grant).toString()}`;
}

/** The grant of an output URL; refuses one altered or made for another build (401) or past its expiry (403). */
export function openOutput(secret: string, of: OutputOf, id: string, query: string, now: Date): OutputGrant {
  const invalid = `This ${of} output URL is not valid: read the ${of} again for a new one.`;
  if (!isUuid(id)) throw unauthorized(invalid);
  const grant = openUserGrant(secret, `${of}-output:${id}`, query, now, { invalid, expired: `This ${of} output URL has expired: read the ${of} again for a new one.` });
  return { id, ...grant };
}
