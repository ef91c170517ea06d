// What the router decides before any dyno is involved, for a plain request and an upgrade alike:
// the app (by Host), whether its head is acceptable, maintenance, dynos, backlog, and the
// headers the dyno will get. No I/O: the table is in memory.
import type { RequestRecord } from "./access-log.ts";
import { requestHeaders, requestIdOf, headTooLarge } from "./headers.ts";
import type { ProxyLimits } from "./options.ts";
import { type Answer, type ErrorCode, backlogTooDeep, badRequest, headersTooLarge, maintenance, noSuchApp, noWebDynos, uriTooLong } from "./pages.ts";
import { type AppRoute, type RouteTable, hostnameOf } from "./table.ts";

export interface Admitted {
  app: string;
  route: AppRoute;
  /** The request target the dyno gets (origin-form). */
  path: string;
  headers: string[];
  requestId: string;
  /** When the router got the request, ms since the epoch. */
  start: number;
  /** The log line's fields so far; the exchange fills in the rest. */
  record: RequestRecord;
}

export interface Refused {
  answer: Answer;
  /** The app's log line, when the request was for a known app. */
  record?: RequestRecord;
  requestId?: string;
}

export interface Listener {
  proto: "http" | "https";
  /** The router's port the client connected to. */
  port: number;
}

/** The origin-form target and the host an absolute-form one names (`GET http://host/path`). */
function targetOf(url: string): { path: string; host?: string } | undefined {
  if (url.startsWith("/") || url === "*") return { path: url };
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
    return { path: `${parsed.pathname}${parsed.search}`, host: parsed.host };
  } catch {
    return undefined;
  }
}

/** What admission reads of a request (wire.ts's RequestHead has it all). */
export interface IncomingHead {
  method: string;
  target: string;
  /** Fields as sent: name, value, … */
  raw: string[];
  /** The first Host field, and how many there were. */
  host: string | undefined;
  hosts: number;
  requestId: string | undefined;
}

function refused(record: RequestRecord, answer: Answer, code: ErrorCode): Refused {
  record.status = answer.status;
  record.code = code;
  return { answer, record, requestId: record.requestId };
}

export function admit(table: RouteTable, limits: ProxyLimits, on: Listener, req: IncomingHead, client: string, upgrade: boolean): Admitted | Refused {
  const start = Date.now();
  const raw = req.raw;
  const host = req.host;
  const target = targetOf(req.target);
  // One Host, and an absolute-form target naming the same: the dyno must see the host the router routed by.
  if (!target || req.hosts > 1 || (target.host !== undefined && target.host.toLowerCase() !== host?.toLowerCase())) return { answer: badRequest() };

  const hostname = hostnameOf(host);
  const app = hostname === undefined ? undefined : table.appFor(hostname);
  if (app === undefined || hostname === undefined) return { answer: noSuchApp(host ?? "") };

  const requestId = requestIdOf(req.requestId);
  const method = req.method;
  const { headers, forwardedFor } = requestHeaders(raw, { client, proto: on.proto, port: on.port, requestId, start, upgrade });
  const record: RequestRecord = {
    app, method, path: target.path, host: hostname, requestId, fwd: forwardedFor, dyno: "none",
    connectMs: 0, serviceMs: 0, status: 0, bytes: 0, protocol: on.proto,
  };
  const tooLarge = headTooLarge(method, req.target, raw, limits);
  if (tooLarge === 414) return refused(record, uriTooLong(limits.maxRequestLine), "H25");
  if (tooLarge === 431) return refused(record, headersTooLarge(limits.maxHeaderLine), "H25");
  if (table.inMaintenance(app)) return refused(record, maintenance(app), "H80");
  const route = table.route(app);
  if (route.backends.length === 0) return refused(record, noWebDynos(app), "H14");
  if (route.inFlight >= route.backends.length * limits.maxSocketsPerDyno + limits.maxBacklogPerApp) return refused(record, backlogTooDeep(app), "H11");
  return { app, route, path: target.path, headers, requestId, start, record };
}
