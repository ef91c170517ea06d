// The log session URL's rules, without a server: what opens, what is refused and why.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LOG_SESSION_TTL_MS, logSessionQuery, openLogSession } from "../../platform/logs/index.ts";

const secret = "session-test-secret";
const sessionId = randomUUID();
const appId = randomUUID();
const made = new Date("2026-01-01T12:00:00Z");
const expiresAt = new Date(made.getTime() + LOG_SESSION_TTL_MS);
const userId = randomUUID();
const query = logSessionQuery(secret, { sessionId, appId, userId, query: { lines: 20, tail: true, dyno: "web.1" }, expiresAt }).toString();
const at = (ms: number) => new Date(made.getTime() + ms);
const edit = (change: (p: URLSearchParams) => void) => {
  const params = new URLSearchParams(query);
  change(params);
  return params.toString();
};

const flipLast = (token: string) => `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`;

describe("log session URLs", () => {
  it("the lifetime is Heroku's few minutes", () => expect(LOG_SESSION_TTL_MS).toBe(5 * 60_000));

  it("opens before its expiry, with the app's id and the query as made", () => {
    expect(openLogSession(secret, sessionId, query, at(LOG_SESSION_TTL_MS - 1))).toEqual({
      sessionId,
      appId,
      userId,
      query: { lines: 20, tail: true, dyno: "web.1" },
      expiresAt,
    });
  });

  it.each([
    ["at its expiry", query, at(LOG_SESSION_TTL_MS)],
    ["after it", query, at(LOG_SESSION_TTL_MS + 3_600_000)],
  ])("is refused %s: 403, says to ask for a new one", (_, q, when) => {
    expect(() => openLogSession(secret, sessionId, q, when)).toThrow(
      expect.objectContaining({ status: 403, message: "This log session has expired: ask for a new one (ouro logs)." }),
    );
  });

  it.each([
    ["another app id", edit((p) => p.set("app_id", randomUUID()))],
    ["an app name for the id", edit((p) => p.set("app_id", "shop"))],
    ["another user", edit((p) => p.set("user_id", randomUUID()))],
    ["a later expiry", edit((p) => p.set("expires", String(expiresAt.getTime() + 3_600_000)))],
    ["more lines", edit((p) => p.set("lines", "1500"))],
    ["no dyno filter", edit((p) => p.delete("dyno"))],
    ["an altered signature", edit((p) => p.set("token", flipLast(p.get("token")!)))],
    ["no token", edit((p) => p.delete("token"))],
  ])("is refused with %s: 401", (_, q) => {
    expect(() => openLogSession(secret, sessionId, q, made)).toThrow(
      expect.objectContaining({ status: 401, message: "This log session URL is not valid: ask for a new one (ouro logs)." }),
    );
  });

  it("is refused under another session id or another secret", () => {
    expect(() => openLogSession(secret, randomUUID(), query, made)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => openLogSession("another-secret", sessionId, query, made)).toThrow(expect.objectContaining({ status: 401 }));
  });
});
