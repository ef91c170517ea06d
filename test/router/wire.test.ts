// The router's HTTP/1.1 reader on its own: heads read whole or not at all, refusals for what
// could be read two ways, and chunked bodies however the bytes are split.
import { describe, expect, it } from "vitest";
import { ChunkedReader, Pending, parseRequestHead, parseResponseHead } from "../../platform/router/wire.ts";

const MAX = 64 * 1024;
const bytes = (text: string) => Buffer.from(text, "latin1");

describe("request heads", () => {
  it("reads the request line, the fields as sent and what they say of framing", () => {
    const text = "POST /a?b=1 HTTP/1.1\r\nHost: app.localhost\r\nX-Request-Id:  abc \r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    const parsed = parseRequestHead(bytes(text), MAX);
    expect(parsed).toEqual({
      length: text.length - 5,
      head: {
        method: "POST", target: "/a?b=1", minor: 1, contentLength: 5, chunked: false, close: true, upgrade: false,
        host: "app.localhost", hosts: 1, requestId: "abc", expectContinue: false,
        raw: ["Host", "app.localhost", "X-Request-Id", "abc", "Content-Length", "5", "Connection", "close"],
      },
    });
  });

  it("waits for the rest of a head, a CR waiting for its LF included", () => {
    expect(parseRequestHead(bytes("GET / HTTP/1.1\r\nHost: a\r"), MAX)).toBeUndefined();
    expect(parseRequestHead(bytes("GET / HTTP/1.1\r"), MAX)).toBeUndefined();
  });

  it("takes an upgrade only with both Connection: upgrade and Upgrade, and HTTP/1.0 as closing unless kept alive", () => {
    const head = (text: string) => {
      const parsed = parseRequestHead(bytes(text), MAX);
      if (!parsed || "refuse" in parsed) throw new Error("not parsed");
      return parsed.head;
    };
    expect(head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").upgrade).toBe(true);
    expect(head("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").upgrade).toBe(false);
    expect(head("GET / HTTP/1.0\r\n\r\n").close).toBe(true);
    expect(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").close).toBe(false);
  });

  it.each([
    ["a bare LF mid-head", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"],
    ["a bare LF before the end has come", "GET / HTTP/1.1\nHost: a\n"],
    ["a CR not followed by LF", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"],
    ["a control character", "GET / HTTP/1.1\r\nHost: a\r\nX: \u0001\r\n\r\n"],
    ["HTTP/2 in the request line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"],
    ["a chunked HTTP/1.0 request", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["a Content-Length of 16 digits", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n"],
  ])("refuses %s", (_what, text) => {
    expect(parseRequestHead(bytes(text), MAX)).toEqual({ refuse: 400 });
  });

  it("refuses a head past the limit with 431, whole or still arriving", () => {
    const long = `GET / HTTP/1.1\r\nHost: a\r\nX: ${"x".repeat(200)}\r\n`;
    expect(parseRequestHead(bytes(`${long}\r\n`), 100)).toEqual({ refuse: 431 });
    expect(parseRequestHead(bytes(long), 100)).toEqual({ refuse: 431 });
  });
});

describe("response heads", () => {
  it("reads the status, the reason and the framing; no reason is allowed", () => {
    const parsed = parseResponseHead(bytes("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"), MAX);
    expect(parsed).toMatchObject({ head: { status: 201, reason: "Created", contentLength: 2, chunked: false, close: false }, length: 43 });
    expect(parseResponseHead(bytes("HTTP/1.1 204\r\n\r\n"), MAX)).toMatchObject({ head: { status: 204, reason: "" } });
  });

  it.each([
    ["both framings", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"],
    ["a status of two digits", "HTTP/1.1 20 OK\r\n\r\n"],
    ["no status line", "hello\r\n\r\n"],
  ])("refuses %s (H17)", (_what, text) => {
    expect(parseResponseHead(bytes(text), MAX)).toEqual({ refuse: 400 });
  });
});

describe("chunked bodies", () => {
  const body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";

  it("gives the data and where the body ends, however the bytes are split", () => {
    for (const size of [1, 2, 3, 7, body.length]) {
      const reader = new ChunkedReader();
      let data = "";
      let end = -2;
      for (let at = 0; at < body.length && !reader.done; at += size) {
        const part = bytes(body.slice(at, at + size));
        const stop = reader.read(part, 0, (s, e) => (data += part.toString("latin1", s, e)));
        expect(stop).toBeGreaterThanOrEqual(0);
        if (reader.done) end = at + stop;
      }
      expect(data).toBe("hello world");
      expect(body.slice(end)).toBe("NEXT");
    }
  });

  it.each([["a hex prefix", "0x5\r\nhello\r\n"], ["17 digits", "00000000000000005\r\nhello\r\n"], ["a bare LF", "5\nhello\r\n"], ["data past its size", "5\r\nhelloX\r\n"], ["a bare LF in a trailer", "0\r\nX: a\n\r\n"]])(
    "refuses %s",
    (_what, text) => {
      expect(new ChunkedReader().read(bytes(text), 0, () => {})).toBe(-1);
    },
  );
});

describe("pending bytes", () => {
  it("finds a head's end however it is split, keeps what follows, and refuses an LF without its CR", () => {
    const text = "GET / HTTP/1.1\r\nHost: a\r\n\r\nNEXT";
    for (const size of [1, 2, 5, text.length]) {
      const pending = new Pending();
      let end = -1;
      let at = 0;
      for (; at < text.length && end === -1; at += size) {
        pending.add(bytes(text.slice(at, at + size)));
        end = pending.headEnd();
      }
      if (at < text.length) pending.add(bytes(text.slice(at)));
      expect(end).toBe(text.length - 4);
      pending.drop(end);
      expect(pending.bytes?.toString("latin1")).toBe("NEXT");
    }
    const bare = new Pending();
    bare.add(bytes("GET / HTTP/1.1\r"));
    expect(bare.headEnd()).toBe(-1);
    bare.add(bytes("\nHost: a\n"));
    expect(bare.headEnd()).toBe(-2);
  });

  it("never changes bytes it handed out: what was taken off stays as it was", () => {
    const pending = new Pending();
    pending.add(bytes("abc"));
    pending.add(bytes("def"));
    const taken = pending.bytes!.subarray(0, 3);
    pending.drop(3);
    pending.add(bytes("XYZ"));
    expect(taken.toString("latin1")).toBe("abc");
    expect(pending.bytes!.toString("latin1")).toBe("defXYZ");
  });
});
