// Request smuggling refused, on raw sockets: every ambiguous framing gets a 400 and the
// connection closed, and no dyno ever completes a request made of it. The data path is the
// router's own HTTP/1.1 reader (platform/router/wire.ts); these tests pin that it stays strict.
import { type Socket, createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, listening, portOf, rawExchange, startRouter } from "./harness.ts";

describe("request smuggling (raw sockets, in-process router)", () => {
  let r: Harness;
  let app = "";
  /** Requests the dyno read to their end, as `METHOD url body`. */
  const completed: string[] = [];

  beforeAll(async () => {
    r = await startRouter();
    const web = await r.dyno("web.1", (req, res) => {
      let body = "";
      req.setEncoding("latin1");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        completed.push(`${req.method} ${req.url} ${body}`);
        res.end("ok");
      });
    });
    app = await r.app([web]);
  });
  afterAll(() => r.close());

  const head = () => `Host: ${app}.localhost\r\n`;
  const refused = async (raw: string) => {
    completed.length = 0;
    const answer = await rawExchange(r.port(), raw);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    // Only the 400: the connection is closed after it, nothing more is read from it.
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(completed).toEqual([]);
  };

  it("a valid request passes (the baseline)", async () => {
    completed.length = 0;
    const answer = await rawExchange(r.port(), `POST /ok HTTP/1.1\r\n${head()}Content-Length: 5\r\nConnection: close\r\n\r\nhello`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(completed).toEqual(["POST /ok hello"]);
  });

  it.each([
    ["Content-Length and Transfer-Encoding together (CL.TE)", "POST / HTTP/1.1\r\n{head}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n{head}\r\n"],
    ["Transfer-Encoding before Content-Length (TE.CL)", "POST / HTTP/1.1\r\n{head}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGET /smuggled HTTP/1.1\r\n{head}\r\n0\r\n\r\n"],
    ["two Content-Length headers that differ", "POST / HTTP/1.1\r\n{head}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"],
    ["two Content-Length headers that agree", "POST / HTTP/1.1\r\n{head}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"],
    ["a Content-Length list", "POST / HTTP/1.1\r\n{head}Content-Length: 5, 5\r\n\r\nhello"],
    ["a signed Content-Length", "POST / HTTP/1.1\r\n{head}Content-Length: +5\r\n\r\nhello"],
    ["an obs-fold (a header continued on the next line)", "GET / HTTP/1.1\r\n{head}X-Folded: a\r\n b\r\n\r\n"],
    ["an obs-fold of Transfer-Encoding", "POST / HTTP/1.1\r\n{head}Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n\r\nhello"],
    ["a bare LF ending a header", "GET / HTTP/1.1\r\n{head}X-A: b\nX-B: c\r\n\r\n"],
    ["bare LFs throughout", "GET / HTTP/1.1\n{headLF}\n"],
    ["a bare CR in a header", "GET / HTTP/1.1\r\n{head}X-A: b\rX-B: c\r\n\r\n"],
    ["a space before the colon", "POST / HTTP/1.1\r\n{head}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"],
    ["chunked not last", "POST / HTTP/1.1\r\n{head}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"],
    ["chunked twice", "POST / HTTP/1.1\r\n{head}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ["an unknown transfer coding", "POST / HTTP/1.1\r\n{head}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"],
    ["a NUL in a header value", "GET / HTTP/1.1\r\n{head}X-A: a\u0000b\r\n\r\n"],
    ["a space in the request target", "GET /a b HTTP/1.1\r\n{head}\r\n"],
    ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n"],
  ])("refuses %s", async (_what, template) => {
    await refused(template.replaceAll("{head}", head()).replaceAll("{headLF}", `Host: ${app}.localhost\n`));
  });

  it.each([
    ["a hex prefix", "0x5\r\nhello\r\n0\r\n\r\n"],
    ["a negative size", "-5\r\nhello\r\n0\r\n\r\n"],
    ["a leading space", " 5\r\nhello\r\n0\r\n\r\n"],
    ["a size past 64 bits", "fffffffffffffffff\r\nhello\r\n0\r\n\r\n"],
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n"],
    ["a bare LF after an extension", "5;a=b\nhello\r\n0\r\n\r\n"],
    ["data longer than its size", "5\r\nhelloXX\r\n0\r\n\r\n"],
  ])("refuses a chunk size with %s, and the dyno never completes that request", async (_what, body) => {
    await refused(`POST / HTTP/1.1\r\n${head()}Transfer-Encoding: chunked\r\n\r\n${body}`);
  });

  it("re-frames a chunked body towards the dyno: the dyno reads exactly the chunks' data", async () => {
    completed.length = 0;
    const answer = await rawExchange(r.port(), `POST /c HTTP/1.1\r\n${head()}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(completed).toEqual(["POST /c hello world"]);
  });

  it("answers 503 H17 when a dyno's answer is itself ambiguous (Content-Length and Transfer-Encoding)", async () => {
    const server = createTcpServer((socket: Socket) => {
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    });
    await listening(server);
    try {
      const name = await r.app([`127.0.0.1:${portOf(server)}`]);
      const res = await r.request({ host: `${name}.localhost` });
      expect(res.status).toBe(503);
      expect(res.body).toContain("H17");
    } finally {
      server.close();
    }
  });

  it("keeps a pipelined second request apart from the first", async () => {
    completed.length = 0;
    const pipelined = `GET /one HTTP/1.1\r\n${head()}\r\nGET /two HTTP/1.1\r\n${head()}Connection: close\r\n\r\n`;
    const answer = await rawExchange(r.port(), pipelined);
    expect(answer.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(completed).toEqual(["GET /one ", "GET /two "]);
  });
});
