// A log session's URL, Heroku's logplex_url: the query it reads (app id, user, lines, tail, filters) and
// an expiry, signed together. The one place both the route that makes it and the route that
// streams it agree on its form; pure, so its rules are table-tested without a server.
import { forbidden, unauthorized } from "../lib/errors.ts";
import { isUuid } from "../lib/ids.ts";
import { signQuery, verifiedQuery } from "../lib/tokens.ts";
import type { LogQuery } from "./index.ts";

/** As on Heroku, a log session URL is short-lived: this long to open it after it was made. */
export const LOG_SESSION_TTL_MS = 5 * 60_000;

const NOT_VALID = "This log session URL is not valid: ask for a new one (ouro logs).";

export interface LogSessionGrant {
  sessionId: string;
  /** The app's id, never its name: a later app of the same name is another app. */
  appId: string;
  /** Who asked for it: the stream is theirs only while they may still reach the app. */
  userId: string;
  query: LogQuery;
  expiresAt: Date;
}

/** The URL query of a session: its grant, and a token over the rest of the query. */
export function logSessionQuery(secret: string, grant: LogSessionGrant): URLSearchParams {
  const params = new URLSearchParams({
    app_id: grant.appId,
    user_id: grant.userId,
    lines: String(grant.query.lines),
    tail: String(grant.query.tail),
    expires: String(grant.expiresAt.getTime()),
  });
  if (grant.query.dyno) params.set("dyno", grant.query.dyno);
  if (grant.query.source) params.set("source", grant.query.source);
  return signQuery(secret, `logs:${grant.sessionId}`, params);
}

/** The grant of a session URL's query; refuses one altered (401) or past its expiry at `now` (403). */
export function openLogSession(secret: string, sessionId: string, query: string, now: Date): LogSessionGrant {
  const params = verifiedQuery(secret, `logs:${sessionId}`, query);
  if (!params) throw unauthorized(NOT_VALID);
  // Signed by us, so well-formed; checked anyway so a bug elsewhere cannot turn into a name lookup.
  const appId = params.get("app_id") ?? "";
  const userId = params.get("user_id") ?? "";
  const expires = Number(params.get("expires"));
  if (!isUuid(appId) || !isUuid(userId) || !Number.isSafeInteger(expires)) throw unauthorized(NOT_VALID);
  if (now.getTime() >= expires) throw forbidden("This log session has expired: ask for a new one (ouro logs).");
  return {
    sessionId,
    appId,
    userId,
    query: {
      lines: Number(params.get("lines") ?? 100),
      tail: params.get("tail") === "true",
      ...(params.get("dyno") ? { dyno: params.get("dyno")! } : {}),
      ...(params.get("source") ? { source: params.get("source")! } : {}),
    },
    expiresAt: new Date(expires),
  };
}
