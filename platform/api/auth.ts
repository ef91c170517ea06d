// Bearer API keys, or HTTP Basic with the key as password (what git sends). A key may be
// revoked, expired, read-only (scope `read`) or the cron service's (scope `cron`); each
// refusal says which.
import type { NextFunction, Request, Response } from "express";
import { type ApiKeyRow, type User, type Db, findApiKey, touchApiKey } from "../db/index.ts";
import { forbidden, unauthorized } from "../lib/errors.ts";

declare module "express-serve-static-core" {
  interface Request {
    user?: User;
    /** The API key the request came with (never the key itself). */
    apiKey?: ApiKeyRow;
  }
}

export function credentialFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === "bearer") return value.trim();
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return undefined;
}

const GIT_PATH = /^\/[^/]+\.git\//;
/** Reading an app's logs takes a POST (Heroku's log session) that changes nothing. */
const LOG_SESSION_PATH = /^\/apps\/[^/]+\/log-sessions$/;

/** Whether a request only reads: GET/HEAD, git's fetch (upload-pack) and a log session, which POST but read. */
export function isReadOnly(req: Pick<Request, "method" | "path" | "query">): boolean {
  if (GIT_PATH.test(req.path)) {
    // The advertisement of receive-pack is the first step of a push: refuse it there, before any pack.
    if (req.path.endsWith("/info/refs")) return req.method === "GET" && req.query.service === "git-upload-pack";
    return req.method === "POST" && req.path.endsWith("/git-upload-pack");
  }
  if (req.method === "POST" && LOG_SESSION_PATH.test(req.path)) return true;
  return req.method === "GET" || req.method === "HEAD";
}

/** The cron service's two calls: read every schedule, start a scheduled command as a one-off dyno. */
const CRON_CALLS: { method: string; path: RegExp }[] = [
  { method: "GET", path: /^\/cron-schedules$/ },
  { method: "POST", path: /^\/apps\/[^/]+\/dynos$/ },
];

/** Whether the key's scopes let it make this request at all (which apps it reaches is access.ts's). */
export function scopeAllows(scope: readonly string[], req: Pick<Request, "method" | "path" | "query">): boolean {
  if (scope.includes("global")) return true;
  if (scope.includes("read") && isReadOnly(req)) return true;
  return scope.includes("cron") && CRON_CALLS.some((call) => call.method === req.method && call.path.test(req.path));
}

function scopeRefusal(key: ApiKeyRow, req: Request): string {
  const what = `${req.method} ${req.path}`;
  if (key.scope.includes("read")) {
    return `This API key is read-only (scope read): it may not ${what}. Use a key with scope global (ouro authorizations:create --scope global).`;
  }
  return `This API key's scope (${key.scope.join(", ")}) does not allow ${what}.`;
}

function refusal(key: ApiKeyRow | undefined, sent: boolean): string {
  if (!sent) return "No credentials provided: send `Authorization: Bearer <API key>` (ouro auth:token prints it).";
  if (!key) return "Invalid credentials provided.";
  if (key.revoked_at) return `This API key was revoked at ${key.revoked_at.toISOString()}; use another one (ouro authorizations lists yours).`;
  return `This API key expired at ${key.expires_at!.toISOString()}; create a new one with ouro authorizations:create.`;
}

export function requireUser(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const credential = credentialFrom(req.headers.authorization);
    const key = credential ? await findApiKey(db, credential) : undefined;
    const now = new Date();
    if (!key || key.revoked_at || (key.expires_at && key.expires_at <= now)) {
      res.setHeader("WWW-Authenticate", 'Basic realm="Ouro"');
      throw unauthorized(refusal(key, credential !== undefined));
    }
    if (!scopeAllows(key.scope, req)) {
      const message = scopeRefusal(key, req);
      // git shows a refusal's body to the pusher only when it is text/plain.
      if (GIT_PATH.test(req.path)) return void res.status(403).type("text/plain").send(`${message}\n`);
      throw forbidden(message);
    }
    await touchApiKey(db, key, now);
    req.user = { id: key.user_id, email: key.user_email, admin: key.user_admin };
    req.apiKey = key;
    next();
  };
}
