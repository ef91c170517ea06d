// What the router changes in the headers, both ways: hop-by-hop headers go (RFC 9110 §7.6.1),
// the forwarding headers and the request id come in. Pure, over Node's raw header arrays
// ([name, value, name, value, …]), so the order and case a client or dyno sent are kept.
import { randomUUID } from "node:crypto";

export const VIA = "1.1 ouro";

/** A client's X-Request-Id is kept when it is this; another is generated otherwise. */
const REQUEST_ID = /^[A-Za-z0-9+/=-]{20,200}$/;

export function requestIdOf(given: string | undefined): string {
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Meant for one connection only: never passed on, in either direction. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);
/** Set by the router alone: what a client sent under these names is dropped. */
const REPLACED = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-request-start", "x-request-id", "via"]);
/** Never removed by being named in Connection: the message's routing and framing. */
const KEPT = new Set(["host", "content-length", "transfer-encoding"]);

/** The header names a Connection header lists (`Connection: close, X-Foo` → close, x-foo). */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== "connection") continue;
    for (const token of raw[i + 1]!.split(",")) {
      const name = token.trim().toLowerCase();
      if (name && !KEPT.has(name)) (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

export interface Forwarding {
  /** The address the connection came from. */
  client: string;
  proto: "http" | "https";
  /** The router's port the client connected to. */
  port: number;
  requestId: string;
  /** When the router got the request, ms since the epoch. */
  start: number;
  /** A protocol upgrade (WebSocket): Upgrade and `Connection: Upgrade` pass. */
  upgrade: boolean;
}

/** The headers the dyno gets, and the X-Forwarded-For it got (for the log line). */
export function requestHeaders(raw: readonly string[], f: Forwarding): { headers: string[]; forwardedFor: string } {
  const named = connectionTokens(raw);
  const headers: string[] = [];
  let forwardedFor = "";
  let via = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (REPLACED.has(lower)) {
      if (lower === "x-forwarded-for") forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
      else if (lower === "via") via = via ? `${via}, ${value}` : value;
      continue;
    }
    // The body's framing: Node writes the body to the dyno as this says (re-chunked as it goes).
    if (lower === "transfer-encoding" || (f.upgrade && lower === "upgrade")) {
      headers.push(name, value);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    headers.push(name, value);
  }
  forwardedFor = forwardedFor ? `${forwardedFor}, ${f.client}` : f.client;
  if (f.upgrade) headers.push("Connection", "Upgrade");
  headers.push(
    "X-Forwarded-For", forwardedFor,
    "X-Forwarded-Proto", f.proto,
    "X-Forwarded-Port", String(f.port),
    "X-Request-Start", String(f.start),
    "X-Request-Id", f.requestId,
    "Via", via ? `${via}, ${VIA}` : VIA,
  );
  return { headers, forwardedFor };
}

/**
 * The headers the client gets. Framing (Transfer-Encoding, Connection, Keep-Alive) is the
 * router's own towards its client: Node's server sets it.
 */
export function responseHeaders(raw: readonly string[], requestId: string, upgrade = false): string[] {
  const named = connectionTokens(raw);
  const headers: string[] = [];
  let via = "";
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === "via") {
      via = via ? `${via}, ${raw[i + 1]}` : raw[i + 1]!;
      continue;
    }
    if (upgrade && lower === "upgrade") {
      headers.push(name, raw[i + 1]!);
      continue;
    }
    if (lower === "x-request-id" || HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    headers.push(name, raw[i + 1]!);
  }
  if (upgrade) headers.push("Connection", "Upgrade");
  headers.push("X-Request-Id", requestId, "Via", via ? `${via}, ${VIA}` : VIA);
  return headers;
}

export interface HeaderLimits {
  /** The request line (`GET /path HTTP/1.1`), bytes. */
  maxRequestLine: number;
  /** Each header line (`Name: value`), bytes. */
  maxHeaderLine: number;
}

/** Why a request's head is refused (414 or 431), or undefined. All headers together are bounded by the parser. */
export function headTooLarge(method: string, url: string, raw: readonly string[], limits: HeaderLimits): 414 | 431 | undefined {
  if (method.length + url.length + 10 > limits.maxRequestLine) return 414;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length + raw[i + 1]!.length + 2 > limits.maxHeaderLine) return 431;
  }
  return undefined;
}
