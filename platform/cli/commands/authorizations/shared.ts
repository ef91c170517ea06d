// What the authorizations commands share: the resource the API answers with, its routes, and
// how one is printed.
import type { ApiClient } from "../../api-client.ts";
import { ago, formatTime, type Printer } from "../../printer.ts";

/** Heroku's OAuth Authorization as Ouro's API returns it (platform/api/shapes.ts). */
export interface Authorization {
  id: string;
  description: string;
  scope: string[];
  /** `token` only in the answer to the request that created the key. */
  access_token: { id: string; token?: string; expires_in: number | null };
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

export const SCOPES = ["global", "read"] as const;

const enc = encodeURIComponent;

export const authorizationsApi = (api: ApiClient) => ({
  list: () => api.request<Authorization[]>("GET", "/oauth/authorizations"),
  info: (id: string) => api.request<Authorization>("GET", `/oauth/authorizations/${enc(id)}`),
  create: (body: { description?: string; scope?: string[]; expires_in?: number }) =>
    api.request<Authorization>("POST", "/oauth/authorizations", body),
  revoke: (id: string) => api.request<Authorization>("DELETE", `/oauth/authorizations/${enc(id)}`),
});

/** `in 59m`, `expired` or `never`, from the seconds the API says are left. */
export function describeExpiry(auth: Authorization): string {
  const left = auth.access_token.expires_in;
  if (left === null) return "never";
  if (left <= 0) return "expired";
  if (left < 3600) return `in ${Math.ceil(left / 60)}m`;
  // Rounded, not floored: a key made to last 2h reads "in 2h" a second later, not "in 1h".
  if (left < 86400) return `in ${Math.round(left / 3600)}h`;
  return `in ${Math.round(left / 86400)}d`;
}

/** The moment with the countdown, for a single authorization: `2026/11/27 05:00:00 (in 2h)`. */
function expiresAt(auth: Authorization): string {
  const left = auth.access_token.expires_in;
  if (left === null || left <= 0) return describeExpiry(auth);
  return `${formatTime(new Date(Date.now() + left * 1000).toISOString())} (${describeExpiry(auth)})`;
}

export const lastUsed = (auth: Authorization) => (auth.last_used_at ? ago(auth.last_used_at).replace(/^~ /, "") : "never");

export function printAuthorizations(print: Printer, auths: readonly Authorization[]): void {
  print.table(auths, [
    { header: "id", get: (a) => a.id },
    { header: "description", get: (a) => a.description },
    { header: "scope", get: (a) => a.scope.join(",") },
    { header: "expires", get: describeExpiry },
    { header: "last used", get: lastUsed },
  ]);
}

/** One authorization as `Key: value` lines; the token only when the API gave it (at creation). */
export function printAuthorization(print: Printer, auth: Authorization): void {
  print.keyValues([
    ["Client", "<none>"],
    ["ID", auth.id],
    ["Description", auth.description],
    ["Scope", auth.scope.join(",")],
    ...(auth.access_token.token ? ([["Token", auth.access_token.token]] as const) : []),
    ["Expires", expiresAt(auth)],
    ["Created", formatTime(auth.created_at)],
    ["Last used", auth.last_used_at ? formatTime(auth.last_used_at) : "never"],
  ]);
}
