// The value of one app in ROUTES_KEY: the JSON list of its up web dynos. The dyno manager writes
// it (platform/dynos/routes.ts), the router reads it; this file is the one owner of its shape.
// An entry is `{"address":"10.0.0.5:5000","dyno":"web.1"}`; the older bare `"10.0.0.5:5000"` is
// still read (its dyno is then named by its address).

export interface RouteEntry {
  /** `ip:port` of a web dyno that accepts connections. */
  address: string;
  /** Its name in the formation (`web.1`), for the router's log lines. */
  dyno?: string;
}

export interface ParsedEntry {
  address: string;
  host: string;
  port: number;
  dyno: string;
}

/** The stored form: sorted by address, so an unchanged set writes an unchanged value. */
export function formatRouteEntries(entries: readonly (string | RouteEntry)[]): string {
  const list = entries.map((e) => (typeof e === "string" ? { address: e } : e));
  list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return JSON.stringify(list.map((e) => (e.dyno ? { address: e.address, dyno: e.dyno } : e.address)));
}

function parseAddress(text: string): { host: string; port: number } | undefined {
  const cut = text.lastIndexOf(":");
  const port = Number(text.slice(cut + 1));
  if (cut <= 0 || !/^\d+$/.test(text.slice(cut + 1)) || port < 1 || port > 65535) return undefined;
  return { host: text.slice(0, cut), port };
}

function parseEntry(item: unknown): ParsedEntry | undefined {
  const entry = typeof item === "string" ? { address: item } : (item as Partial<RouteEntry> | null);
  if (!entry || typeof entry !== "object" || typeof entry.address !== "string") return undefined;
  const at = parseAddress(entry.address);
  if (!at) return undefined;
  const dyno = typeof entry.dyno === "string" && /^[\w.-]{1,64}$/.test(entry.dyno) ? entry.dyno : entry.address;
  return { address: entry.address, ...at, dyno };
}

/** One app's list; whatever is malformed is left out, so a bad entry never fails the table's load. */
export function parseRouteEntries(json: string): ParsedEntry[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(list) ? list.map(parseEntry).filter((e): e is ParsedEntry => e !== undefined) : [];
}
