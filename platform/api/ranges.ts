// Heroku's list pagination: a request's `Range: <field> [start]..[end][; max=N[, order=asc|desc]]`
// picks the items whose field lies in the range (a `]` before the start, or a `[` after the end,
// leaves that bound out), sorted by it, at most N. A page that is not the last is answered 206
// with `Next-Range` naming where the next one starts; every list says which fields it sorts by
// in `Accept-Ranges`.
import type { Response } from "express";
import { OuroError } from "../lib/errors.ts";

/** Heroku's defaults: 200 items a page, never more than 1000. */
export const DEFAULT_MAX = 200;
export const LARGEST_MAX = 1000;

export interface ListRange {
  field: string;
  start?: string;
  startExclusive: boolean;
  end?: string;
  endExclusive: boolean;
  max: number;
  order: "asc" | "desc";
}

/** How a list sorts: each field it may be ranged by, read from an item; the first is the default. */
export type RangeFields<T> = Record<string, (item: T) => string | number>;

const badRange = (message: string) => new OuroError(400, "bad_request", `Range: ${message}`);

// Long enough for any field's values; the pattern is never tried on more.
const MAX_HEADER = 512;
const RANGE = /^\s*([a-z_]+)\s*(?:(\]?)([^;]*?)\.\.([^;[]*?)(\[?))?\s*(?:;\s*(.*))?$/;

/** The `Range` header, checked against the fields the list sorts by; undefined header: the default. */
export function parseRange(header: string | undefined, fields: readonly string[]): ListRange {
  const fallback: ListRange = { field: fields[0]!, startExclusive: false, endExclusive: false, max: DEFAULT_MAX, order: "asc" };
  if (header === undefined || header.trim() === "") return fallback;
  if (header.length > MAX_HEADER) throw badRange(`longer than ${MAX_HEADER} characters.`);
  const match = RANGE.exec(header);
  if (!match) throw badRange(`"${header}" is not of the form \`<field> [start]..[end][; max=N, order=asc|desc]\`.`);
  const [, field, openStart, start, end, openEnd, options] = match;
  if (!fields.includes(field!)) throw badRange(`this list is ordered by ${fields.join(" or ")}, not ${field}.`);
  const range: ListRange = {
    ...fallback,
    field: field!,
    start: start?.trim() || undefined,
    startExclusive: openStart === "]",
    end: end?.trim() || undefined,
    endExclusive: openEnd === "[",
  };
  for (const option of (options ?? "").split(/[,;]/).map((o) => o.trim()).filter(Boolean)) {
    const [name, value = ""] = option.split("=").map((part) => part.trim());
    if (name === "max") {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw badRange(`max must be a whole number from 1 to ${LARGEST_MAX}, not "${value}".`);
      range.max = Math.min(Number(value), LARGEST_MAX);
    } else if (name === "order") {
      if (value !== "asc" && value !== "desc") throw badRange(`order must be asc or desc, not "${value}".`);
      range.order = value;
    } else {
      throw badRange(`unknown option "${option}": max and order are.`);
    }
  }
  return range;
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The bound as the field's type: a version is a number, `5` comes before `10`. */
function bound(value: string, sample: string | number | undefined): string | number {
  return typeof sample === "number" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** The page the range asks for, and the `Next-Range` of the one after it (undefined on the last). */
export function pageOf<T>(items: readonly T[], range: ListRange, fields: RangeFields<T>): { page: T[]; next?: string } {
  const key = fields[range.field]!;
  const sign = range.order === "asc" ? 1 : -1;
  const sorted = [...items].sort((a, b) => sign * compare(key(a), key(b)));
  const sample = sorted.length ? key(sorted[0]!) : undefined;
  // In the list's order: `start` is where the page begins, `end` where it stops.
  const inRange = sorted.filter((item) => {
    const value = key(item);
    if (range.start !== undefined) {
      const c = sign * compare(value, bound(range.start, sample));
      if (c < 0 || (c === 0 && range.startExclusive)) return false;
    }
    if (range.end !== undefined) {
      const c = sign * compare(value, bound(range.end, sample));
      if (c > 0 || (c === 0 && range.endExclusive)) return false;
    }
    return true;
  });
  const page = inRange.slice(0, range.max);
  if (inRange.length <= range.max) return { page };
  const last = key(page[page.length - 1]!);
  return { page, next: `${range.field} ]${last}..${range.end ?? ""}; max=${range.max}, order=${range.order}` };
}

/** Answers a list request: the page as JSON, 206 and `Next-Range` when more follow. */
export function sendList<T>(req: { headers: Record<string, string | string[] | undefined> }, res: Response, items: readonly T[], fields: RangeFields<T>, shape: (item: T) => unknown = (item) => item): void {
  const names = Object.keys(fields);
  const header = req.headers.range;
  const range = parseRange(Array.isArray(header) ? header[0] : header, names);
  const { page, next } = pageOf(items, range, fields);
  res.setHeader("Accept-Ranges", names.join(", "));
  if (page.length) {
    const key = fields[range.field]!;
    res.setHeader("Content-Range", `${range.field} ${key(page[0]!)}..${key(page[page.length - 1]!)}; max=${range.max}, order=${range.order}`);
  }
  if (next) res.setHeader("Next-Range", next);
  res.status(next ? 206 : 200).json(page.map(shape));
}

const iso = (value: Date | string) => (typeof value === "string" ? value : value.toISOString());
export const BY_NAME_ID: RangeFields<{ name: string; id: string }> = { name: (r) => r.name, id: (r) => r.id };
export const BY_CREATED_ID: RangeFields<{ created_at: Date | string; id: string }> = { created_at: (r) => iso(r.created_at), id: (r) => r.id };
export const BY_CREATED_ID_NAME: RangeFields<{ created_at: Date | string; id: string; name: string }> = { ...BY_CREATED_ID, name: (r) => r.name };
