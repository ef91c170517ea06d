// Scoped tokens: an HMAC of the scope under the platform's secret, good for that scope only.
import { describe, expect, it } from "vitest";
import { scopedToken, verifyScopedToken } from "../../platform/lib/tokens.ts";

const secret = "a-secret-of-the-platform";

describe("scoped tokens", () => {
  const token = scopedToken(secret, "build:1111");

  it("verifies for the scope it was made for", () => {
    expect(verifyScopedToken(secret, "build:1111", token)).toBe(true);
  });

  it("is the same token each time for a scope and secret, and a different one for another scope", () => {
    expect(scopedToken(secret, "build:1111")).toBe(token);
    expect(scopedToken(secret, "build:2222")).not.toBe(token);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["another build", "build:2222"],
    ["a scope it is a prefix of", "build:11112"],
    ["a prefix of its scope", "build:111"],
    ["the same id in another kind of scope", "hook:1111"],
    ["an empty scope", ""],
  ])("does not verify for %s", (_, scope) => {
    expect(verifyScopedToken(secret, scope, token)).toBe(false);
  });

  it("does not verify when made under another secret", () => {
    expect(verifyScopedToken(secret, "build:1111", scopedToken("another-secret", "build:1111"))).toBe(false);
    expect(verifyScopedToken("another-secret", "build:1111", token)).toBe(false);
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
    ["one character short", token.slice(0, -1)],
    ["one character long", `${token}0`],
    ["one character changed", `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`],
    ["in upper case", token.toUpperCase()],
    ["padded with spaces", ` ${token} `],
    ["of the right length but garbage", "x".repeat(token.length)],
    ["multi-byte text of the same length in characters", "é".repeat(token.length)],
  ])("refuses a token that is %s", (_, given) => {
    expect(verifyScopedToken(secret, "build:1111", given)).toBe(false);
  });
});
