// Scoped bearer tokens: an HMAC of the scope ("build:<id>", "hook:<app>") under
// the platform's secret. A dyno holding one can reach only that scope.
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
