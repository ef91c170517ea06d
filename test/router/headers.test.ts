// What the router changes in the headers: pure tests of headers.ts, then the same through the
// in-process proxy, as the dyno and the client see them.
import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Forwarding, VIA, headTooLarge, requestHeaders, requestIdOf, responseHeaders } from "../../platform/router/headers.ts";
import { type Harness, seenBy, startRouter } from "./harness.ts";

const forwarding: Forwarding = { client: "192.0.2.1", proto: "http", port: 8080, requestId: "r".repeat(20), start: 1_700_000_000_000, upgrade: false };
const pairs = (raw: string[]) => Array.from({ length: raw.length / 2 }, (_, i) => `${raw[2 * i]}: ${raw[2 * i + 1]}`);

describe("request headers (pure)", () => {
  it("drops hop-by-hop headers and whatever Connection names, keeps the rest in order and case", () => {
    const { headers } = requestHeaders(
      ["Host", "a.localhost", "Connection", "keep-alive, X-Secret", "Keep-Alive", "timeout=5", "X-Secret", "s", "Proxy-Authorization", "Basic x",
        "TE", "trailers", "Trailer", "X-T", "Upgrade", "h2c", "Proxy-Connection", "keep-alive", "Accept", "*/*", "x-Custom", "1", "x-custom", "2"],
      forwarding,
    );
    expect(pairs(headers).slice(0, 4)).toEqual(["Host: a.localhost", "Accept: */*", "x-Custom: 1", "x-custom: 2"]);
    expect(headers.map((h) => h.toLowerCase())).not.toContain("x-secret");
  });

  it("never lets Connection remove Host or the body's framing", () => {
    const { headers } = requestHeaders(["Host", "a.localhost", "Connection", "host, content-length, transfer-encoding", "Content-Length", "5"], forwarding);
    expect(pairs(headers).slice(0, 2)).toEqual(["Host: a.localhost", "Content-Length: 5"]);
    const chunked = requestHeaders(["Host", "a", "Transfer-Encoding", "gzip, chunked"], forwarding).headers;
    expect(pairs(chunked)).toContain("Transfer-Encoding: gzip, chunked");
  });

  it("appends the client to X-Forwarded-For and replaces what a client claims of the rest", () => {
    const { headers, forwardedFor } = requestHeaders(
      ["Host", "a", "X-Forwarded-For", "203.0.113.7", "x-forwarded-for", "198.51.100.2", "X-Forwarded-Proto", "https", "X-Forwarded-Port", "1",
        "X-Request-Start", "0", "X-Request-Id", "fake", "Via", "1.0 elsewhere"],
      forwarding,
    );
    expect(forwardedFor).toBe("203.0.113.7, 198.51.100.2, 192.0.2.1");
    expect(pairs(headers)).toEqual([
      "Host: a",
      "X-Forwarded-For: 203.0.113.7, 198.51.100.2, 192.0.2.1",
      "X-Forwarded-Proto: http",
      "X-Forwarded-Port: 8080",
      "X-Request-Start: 1700000000000",
      `X-Request-Id: ${"r".repeat(20)}`,
      `Via: 1.0 elsewhere, ${VIA}`,
    ]);
  });

  it("passes Upgrade and Connection: Upgrade on an upgrade only", () => {
    const raw = ["Host", "a", "Connection", "Upgrade", "Upgrade", "websocket"];
    expect(pairs(requestHeaders(raw, { ...forwarding, upgrade: true }).headers)).toEqual(expect.arrayContaining(["Upgrade: websocket", "Connection: Upgrade"]));
    expect(pairs(requestHeaders(raw, forwarding).headers).filter((h) => /^(upgrade|connection):/i.test(h))).toEqual([]);
  });
});

describe("request ids (pure)", () => {
  it.each([
    ["a".repeat(20), true],
    ["A1+/=-".repeat(30).slice(0, 200), true],
    ["a".repeat(19), false],
    ["a".repeat(201), false],
    [`${"a".repeat(20)} x`, false],
    [`${"a".repeat(20)};`, false],
  ])("keeps %j: %s", (given, kept) => {
    expect(requestIdOf(given) === given).toBe(kept);
  });

  it("generates one when there is none", () => {
    expect(requestIdOf(undefined)).toMatch(/^[A-Za-z0-9+/=-]{20,200}$/);
    expect(requestIdOf(undefined)).not.toBe(requestIdOf(undefined));
  });
});

describe("response headers (pure)", () => {
  it("drops hop-by-hop headers, sets the request id and appends Via", () => {
    const headers = responseHeaders(
      ["Content-Type", "text/plain", "Connection", "close, X-Internal", "X-Internal", "1", "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked",
        "Trailer", "X-T", "Proxy-Authenticate", "Basic", "Upgrade", "h2c", "X-Request-Id", "the-dyno-s-own", "Via", "1.1 app", "Set-Cookie", "a=1", "Set-Cookie", "b=2"],
      "req-id",
    );
    expect(pairs(headers)).toEqual(["Content-Type: text/plain", "Set-Cookie: a=1", "Set-Cookie: b=2", "X-Request-Id: req-id", `Via: 1.1 app, ${VIA}`]);
  });

  it("keeps Upgrade on a switch of protocols", () => {
    expect(pairs(responseHeaders(["Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Accept", "x"], "id", true))).toEqual([
      "Upgrade: websocket", "Sec-WebSocket-Accept: x", "Connection: Upgrade", "X-Request-Id: id", `Via: ${VIA}`,
    ]);
  });
});

describe("head sizes (pure)", () => {
  const limits = { maxRequestLine: 8192, maxHeaderLine: 8192 };
  it("allows 8 KB lines and refuses longer ones (414 for the request line, 431 for a header)", () => {
    // `GET /aaa… HTTP/1.1`: 3 + 1 + the target + 9.
    expect(headTooLarge("GET", `/${"a".repeat(8192 - 14)}`, [], limits)).toBeUndefined();
    expect(headTooLarge("GET", `/${"a".repeat(8192 - 13)}`, [], limits)).toBe(414);
    expect(headTooLarge("GET", "/", ["X-Big", "b".repeat(8192 - 7)], limits)).toBeUndefined();
    expect(headTooLarge("GET", "/", ["X-Big", "b".repeat(8192 - 6)], limits)).toBe(431);
  });
});

describe("headers through the proxy", () => {
  let r: Harness;
  beforeAll(async () => {
    r = await startRouter();
  });
  afterEach(() => r.closeDynos());
  afterAll(() => r.close());

  it("the dyno gets the forwarding headers, the request id and Via, and no hop-by-hop header", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const before = Date.now();
    const res = await r.request({
      host: `${name}.localhost`,
      headers: { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", connection: "keep-alive, x-drop", "x-drop": "1", te: "trailers", "proxy-authorization": "Basic eA==", "keep-alive": "timeout=9" },
    });
    const seen = seenBy(res);
    expect(seen.headers["x-forwarded-for"]).toBe("203.0.113.7, 127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-forwarded-port"]).toBe("8080");
    expect(Number(seen.headers["x-request-start"])).toBeGreaterThanOrEqual(before);
    expect(Number(seen.headers["x-request-start"])).toBeLessThanOrEqual(Date.now());
    expect(seen.headers.via).toBe(VIA);
    for (const hop of ["x-drop", "te", "proxy-authorization", "keep-alive"]) expect(seen.headers[hop]).toBeUndefined();
    // The dyno and the client see the same request id.
    expect(seen.headers["x-request-id"]).toMatch(/^[A-Za-z0-9+/=-]{20,200}$/);
    expect(res.headers["x-request-id"]).toBe(seen.headers["x-request-id"]);
  });

  it("keeps a valid client request id, and replaces an invalid one", async () => {
    const web = await r.dyno("web.1");
    const name = await r.app([web]);
    const mine = "client-chosen-id-0123456789";
    const kept = await r.request({ host: `${name}.localhost`, headers: { "x-request-id": mine } });
    expect(seenBy(kept).headers["x-request-id"]).toBe(mine);
    expect(kept.headers["x-request-id"]).toBe(mine);
    const replaced = await r.request({ host: `${name}.localhost`, headers: { "x-request-id": "short" } });
    expect(seenBy(replaced).headers["x-request-id"]).not.toBe("short");
    expect(replaced.headers["x-request-id"]).toBe(seenBy(replaced).headers["x-request-id"]);
  });

  it("the client gets no hop-by-hop header of the dyno's, and the router's own framing", async () => {
    const web = await r.dyno("web.1", (_req, res) => {
      res.writeHead(200, { connection: "close, x-internal", "x-internal": "secret", "keep-alive": "timeout=1", "proxy-authenticate": "Basic", "x-kept": "yes" });
      res.end("body");
    });
    const name = await r.app([web]);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const res = await r.request({ host: `${name}.localhost`, agent });
      expect(res.body).toBe("body");
      expect(res.headers["x-kept"]).toBe("yes");
      for (const hop of ["x-internal", "proxy-authenticate"]) expect(res.headers[hop]).toBeUndefined();
      // The dyno closing its connection does not close the client's.
      expect(res.headers.connection).toBe("keep-alive");
      expect(res.headers["keep-alive"]).not.toBe("timeout=1");
      expect(res.headers.via).toBe(VIA);
    } finally {
      agent.destroy();
    }
  });

  it("a router answer carries the request id too", async () => {
    const name = await r.app([]);
    const res = await r.request({ host: `${name}.localhost`, headers: { "x-request-id": "given-request-id-000001" } });
    expect(res.status).toBe(503);
    expect(res.headers["x-request-id"]).toBe("given-request-id-000001");
  });
});
