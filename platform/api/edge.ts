// Checks every request gets before any route: what no route could store or find is
// refused here with a message that says what to fix, never a 500 from PostgreSQL.
import type { NextFunction, Request, Response } from "express";
import { invalidParams, notFound } from "../lib/errors.ts";

/** The path of the first string in `value` that holds a NUL byte, or undefined. */
export function nulBytePath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === "string") return value.includes("\0") ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes("\0")) return [...path, key];
    const found = nulBytePath(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * A NUL byte names nothing (404 in a path) and no field can hold one (422 naming the
 * field): PostgreSQL's text and a process environment both end strings at NUL.
 */
export function refuseNulBytes(req: Request, _res: Response, next: NextFunction): void {
  if (/%00/i.test(req.url)) throw notFound(`No resource has a NUL byte (%00) in its name: ${req.path}.`);
  const path = nulBytePath(req.body);
  if (path) {
    const field = path.length ? path.join(".") : "the body";
    throw invalidParams(`${field} contains a NUL byte (\\u0000), which Ouro cannot store: remove it.`);
  }
  next();
}
