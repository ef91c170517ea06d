// What the users commands share: the resource the API answers with, its routes, and how one is
// printed. Users are Ouro's own resource (Heroku's accounts sign up); only an admin manages them.
import type { UserResource } from "../../../lib/access-contract.ts";
import type { ApiClient } from "../../api-client.ts";
import { formatTime, type Printer } from "../../printer.ts";

export type User = UserResource;

const enc = encodeURIComponent;

export const usersApi = (api: ApiClient) => ({
  list: () => api.request<User[]>("GET", "/users"),
  create: (email: string) => api.request<User>("POST", "/users", { email }),
  remove: (emailOrId: string) => api.request<User>("DELETE", `/users/${enc(emailOrId)}`),
});

const yesNo = (value: boolean) => (value ? "yes" : "no");

export function printUsers(print: Printer, users: readonly User[]): void {
  print.table(users, [
    { header: "email", get: (u) => u.email },
    { header: "admin", get: (u) => yesNo(u.admin) },
    { header: "apps", get: (u) => String(u.apps) },
    { header: "created", get: (u) => formatTime(u.created_at) },
  ]);
}

/** One user as `Key: value` lines; the API key only when the API gave it (at creation). */
export function printUser(print: Printer, user: User): void {
  print.keyValues([
    ["Email", user.email],
    ["ID", user.id],
    ["Admin", yesNo(user.admin)],
    ["Apps", String(user.apps)],
    ["Created", formatTime(user.created_at)],
    ...(user.api_key ? ([["API key", user.api_key]] as const) : []),
  ]);
}
