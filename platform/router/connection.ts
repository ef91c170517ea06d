// One client connection, HTTP/1.1 over a socket (plain or TLS), and the exchange of each of its
// requests with a dyno: read the head (wire.ts), admit it (admit.ts), hold its body back until a
// dyno took the connection, send, and stream the answer back as it comes, with no per-request
// listeners or timers: each connection and exchange has one deadline, which the proxy's sweep
// checks. A dyno that refuses the connection (or does not take it within connectMs) is set aside
// and the request tried once on another; a pooled connection the dyno closed as it was reused is
// tried once more on a fresh one (an idempotent request without a body: nothing was processed).
// Then H12 when the answer is late, H13 or H17 when the dyno closes or garbles before answering,
// H15 when a begun answer goes idle, H18 when it is cut, H27 when the client leaves, H28 when
// its body stops coming. Requests a client pipelines are taken one at a time, in order.
import type net from "node:net";
import type { RequestRecord } from "./access-log.ts";
import { type Admitted, type Listener, admit } from "./admit.ts";
import { chooseBackend } from "./balance.ts";
import { responseHeaders } from "./headers.ts";
import type { ProxyLimits, ProxyTimeouts } from "./options.ts";
import {
  type Answer, type ErrorCode, appCrashed, badRequest, badResponse, closedWithoutResponse, headersTimeout, headersTooLarge, pageAnswer, rawAnswer,
  requestTimeout,
} from "./pages.ts";
import type { DynoPool, Link, LinkOwner } from "./pool.ts";
import type { Backend, RouteTable } from "./table.ts";
import { ChunkedReader, Pending, type RequestHead, type ResponseHead, parseRequestHead, parseResponseHead, wholeHeadEnd } from "./wire.ts";

/** Everything a connection's handling needs, made once per server. */
export interface ProxyContext {
  table: RouteTable;
  listener: Listener;
  timeouts: ProxyTimeouts;
  limits: ProxyLimits;
  pool: DynoPool;
  /** Writes the request's log line into the app's stream. */
  done(record: RequestRecord): void;
  /** What the sweep looks at: every open client connection. */
  connections: Set<ClientConnection>;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);
/** Request body bytes held while no dyno has the connection yet; past this the client is paused. */
const HOLD_BYTES = 64 * 1024;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
/** An answer's first body bytes up to this go out in the same write as its head, as one string. */
const SMALL_ANSWER = 16 * 1024;

function headText(status: number, reason: string, fields: readonly string[], extra: string): string {
  let text = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
  return `${text}${extra}\r\n`;
}

export class ClientConnection {
  readonly socket: net.Socket;
  private readonly ctx: ProxyContext;
  /** Bytes read and not yet taken by a request. */
  private readonly pending = new Pending();
  private exchange: Exchange | undefined;
  /** When the connection's own deadline passes (0: none), and what it means then. */
  deadline = 0;
  private waitingFor: "head" | "next" = "next";
  closed = false;
  /** Paused for a reason of its own (a full pipeline buffer); the exchange pauses for body backpressure. */
  private held = false;
  /** In nextRequest's loop. */
  private reading = false;

  constructor(ctx: ProxyContext, socket: net.Socket) {
    this.ctx = ctx;
    this.socket = socket;
    socket.setNoDelay(true);
    ctx.connections.add(this);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.exchange?.onClientDrain());
    socket.on("end", () => this.onEnd());
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.onClose());
    this.deadline = Date.now() + ctx.timeouts.headersMs;
    this.waitingFor = "head";
  }

  /** The sweep: a head that does not come in time (408), an idle kept-alive connection, an idle exchange. */
  expire(now: number): void {
    if (this.exchange) return this.exchange.expire(now);
    if (!this.deadline || now < this.deadline) return;
    if (!this.closed && this.waitingFor === "head" && this.pending.length) this.refuse(rawAnswer(headersTimeout()));
    else this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.exchange?.takesClientBytes()) return this.exchange.clientBytes(chunk);
    this.pending.add(chunk);
    if (this.exchange) {
      // Pipelined: kept for after the current answer, within bounds.
      if (this.pending.length > this.ctx.limits.maxHeaderBytes) this.hold();
      return;
    }
    if (this.waitingFor === "next") {
      this.waitingFor = "head";
      this.deadline = Date.now() + this.ctx.timeouts.headersMs;
    }
    this.nextRequest();
  }

  private hold(): void {
    this.held = true;
    this.socket.pause();
  }

  /** Bytes after the current request's body: the next pipelined request, read once this one is answered. */
  keep(rest: Buffer): void {
    this.pending.add(rest);
    if (this.pending.length > this.ctx.limits.maxHeaderBytes) this.hold();
  }

  /**
   * Reads the requests whose heads are pending, one at a time, in a loop rather than by recursion:
   * thousands of pipelined requests answered at once (404s) must not grow the stack.
   */
  private nextRequest(): void {
    if (this.reading) return; // the loop up the stack goes on
    this.reading = true;
    try {
      while (!this.closed && !this.exchange && this.pending.length) if (!this.readOne()) return;
    } finally {
      this.reading = false;
    }
  }

  /** One request from what is pending; false while its head is not all there. */
  private readOne(): boolean {
    const max = this.ctx.limits.maxHeaderBytes;
    const end = this.pending.headEnd();
    if (end === -2) {
      this.refuse(rawAnswer(badRequest()));
      return false;
    }
    if (end === -1) {
      if (this.pending.length > max) this.refuse(rawAnswer(headersTooLarge(this.ctx.limits.maxHeaderLine)));
      return false;
    }
    const bytes = this.pending.bytes!;
    const parsed = parseRequestHead(bytes, max, end);
    if (!parsed || "refuse" in parsed) {
      this.refuse(rawAnswer(parsed?.refuse === 431 ? headersTooLarge(this.ctx.limits.maxHeaderLine) : badRequest()));
      return false;
    }
    const rest = end < bytes.length ? bytes.subarray(end) : undefined;
    this.pending.clear();
    this.deadline = 0;
    this.start(parsed.head, rest);
    return true;
  }

  private start(head: RequestHead, rest: Buffer | undefined): void {
    const { ctx } = this;
    const target = admit(ctx.table, ctx.limits, ctx.listener, head, this.socket.remoteAddress ?? "", head.upgrade);
    if ("answer" in target) {
      // A body left unread would be read as the next request: the connection ends with the answer instead.
      const close = head.close || head.upgrade || head.chunked || (head.contentLength ?? 0) > 0 || target.answer.status === 400;
      this.socket.write(pageAnswer(target.answer, target.requestId, close));
      if (target.record) ctx.done(target.record);
      if (close) return this.end();
      if (rest) this.pending.add(rest);
      return this.idle();
    }
    if (head.expectContinue && head.minor === 1 && !head.upgrade) this.socket.write(CONTINUE);
    this.exchange = new Exchange(ctx, this, target, head);
    this.exchange.begin(rest);
  }

  /** The exchange is over; `close`: the connection too. */
  finished(close: boolean): void {
    this.exchange = undefined;
    if (close || this.closed) return this.end();
    if (this.held) {
      this.held = false;
      this.socket.resume();
    }
    this.idle();
  }

  /** Waits for the next request (or reads the one already pending). */
  private idle(): void {
    if (this.pending.length) {
      this.waitingFor = "head";
      this.deadline = Date.now() + this.ctx.timeouts.headersMs;
      return this.nextRequest();
    }
    this.waitingFor = "next";
    this.deadline = Date.now() + this.ctx.timeouts.keepAliveMs;
  }

  /** Answers what could not be read as a request, and closes. */
  private refuse(text: string): void {
    this.pending.clear();
    this.socket.end(text);
    this.closed = true;
    this.deadline = Date.now() + 1_000; // a client that never reads the answer is not waited for
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.deadline = Date.now() + this.ctx.timeouts.headersMs;
  }

  private onEnd(): void {
    // A client that ends its side has gone, as Node's own server takes it: a request in progress
    // is ended at the dyno too (H27 when nothing was answered yet).
    this.exchange?.clientGone();
    this.end();
  }

  private onClose(): void {
    this.closed = true;
    this.ctx.connections.delete(this);
    this.exchange?.clientGone();
    this.exchange = undefined;
  }
}

/** Why an attempt ended before the dyno answered. */
type Failure = "refused" | "stale" | "closed" | "garbled" | "timeout";

type Phase = "queued" | "connecting" | "sending" | "waiting" | "answering" | "upgraded" | "over";

/** One request's exchange with the app's dynos. */
class Exchange implements LinkOwner {
  private readonly ctx: ProxyContext;
  private readonly conn: ClientConnection;
  private readonly target: Admitted;
  private readonly head: RequestHead;
  private readonly record: RequestRecord;
  /** Logged and counted off its app already (at the end, or at an upgrade's switch). */
  private logged = false;
  private phase: Phase = "queued";
  private deadline = 0;
  private began = 0;
  private backend: Backend | undefined;
  private link: Link | undefined;
  private refusedOnce: Backend | undefined;
  private staleRetried = false;

  // The request body, from the client.
  private readonly hasBody: boolean;
  private bodyLeft: number;
  private readonly chunks: ChunkedReader | undefined;
  private bodyDone: boolean;
  /** Body bytes (framed for the dyno) not yet written to a dyno. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private clientPaused = false;

  // The answer, from the dyno.
  /** The answer's head while it arrives in pieces (most arrive whole: none is made). */
  private answerBuf: Pending | undefined;
  private answer: ResponseHead | undefined;
  private answerLeft = 0;
  private answerChunks: ChunkedReader | undefined;
  /** The answer's chunked framing is removed for an HTTP/1.0 client. */
  private dechunk = false;
  private closeClient = false;
  private reusable = true;

  constructor(ctx: ProxyContext, conn: ClientConnection, target: Admitted, head: RequestHead) {
    this.ctx = ctx;
    this.conn = conn;
    this.target = target;
    this.head = head;
    this.record = target.record;
    // Counted against the app's backlog until logged.
    target.route.inFlight++;
    this.hasBody = !head.upgrade && (head.chunked || (head.contentLength ?? 0) > 0);
    this.bodyLeft = head.contentLength ?? 0;
    this.chunks = head.chunked && !head.upgrade ? new ChunkedReader() : undefined;
    this.bodyDone = !this.hasBody;
  }

  begin(rest: Buffer | undefined): void {
    if (rest) this.clientBytes(rest);
    if (this.phase === "over") return;
    this.attempt(chooseBackend(this.target.route.backends, Date.now()));
  }

  /** Whether bytes from the client are this exchange's (its body, or an upgraded stream), not the next request's. */
  takesClientBytes(): boolean {
    return !this.bodyDone || this.phase === "upgraded" || (this.head.upgrade && this.phase !== "over");
  }

  // ---- the client's side

  clientBytes(chunk: Buffer): void {
    if (this.phase === "upgraded") {
      this.deadline = Date.now() + this.ctx.timeouts.idleMs;
      if (!this.link!.socket.write(chunk)) this.pauseClient();
      return;
    }
    if (this.head.upgrade) return this.hold(chunk); // for the dyno once it switched protocols
    let rest: Buffer | undefined;
    if (this.chunks) {
      const end = this.chunks.read(chunk, 0, (start, stop) => this.hold(Buffer.concat([Buffer.from(`${(stop - start).toString(16)}\r\n`, "latin1"), chunk.subarray(start, stop), CRLF])));
      if (end < 0) return this.malformedBody();
      if (this.chunks.done) {
        this.hold(LAST_CHUNK);
        this.bodyDone = true;
        if (end < chunk.length) rest = chunk.subarray(end);
      }
    } else {
      const take = Math.min(this.bodyLeft, chunk.length);
      this.hold(take === chunk.length ? chunk : chunk.subarray(0, take));
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) {
        this.bodyDone = true;
        if (take < chunk.length) rest = chunk.subarray(take);
      }
    }
    if (this.phase === "sending") this.deadline = Date.now() + this.ctx.timeouts.idleMs;
    if (this.bodyDone && this.phase === "sending") this.sent();
    if (rest) this.conn.keep(rest); // the next pipelined request
  }

  /** Body bytes to the dyno, or held until one has the connection. */
  private hold(bytes: Buffer): void {
    if (this.link?.connected && (this.phase === "sending" || this.phase === "answering" || this.phase === "upgraded")) {
      if (!this.link.socket.write(bytes)) this.pauseClient();
      return;
    }
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    if (this.heldBytes > HOLD_BYTES) this.pauseClient();
  }

  private pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.conn.socket.pause();
  }

  private resumeClient(): void {
    if (!this.clientPaused) return;
    this.clientPaused = false;
    this.conn.socket.resume();
  }

  /** A chunked body that is not: the dyno never gets its end; the client gets a 400 if nothing was answered yet. */
  private malformedBody(): void {
    this.bodyDone = true;
    this.record.status = 400;
    this.dropLink();
    if (!this.answer) this.conn.socket.write(pageAnswer(badRequest(), this.target.requestId, true));
    this.over(true);
  }

  clientGone(): void {
    if (this.phase === "over") return;
    // The client went away first (H27) unless the router cut it (a code is set).
    if (!this.record.code && !this.answer && this.phase !== "upgraded") {
      this.record.code = "H27";
      this.record.status = 499;
    }
    this.dropLink();
    this.over(true);
  }

  onClientDrain(): void {
    if (this.phase === "answering" || this.phase === "upgraded") this.link?.socket.resume();
  }

  // ---- the dyno's side

  private attempt(backend: Backend | undefined, fresh = false): void {
    if (!backend) return this.fail("refused");
    this.backend = backend;
    backend.inFlight++;
    this.record.dyno = backend.dyno;
    this.began = Date.now();
    this.phase = "queued";
    // Waiting for a free connection is no refusal: only the time to answer bounds it.
    this.deadline = this.began + this.ctx.timeouts.firstByteMs;
    this.ctx.pool.acquire(backend, this, fresh || this.head.upgrade);
  }

  onLinked(link: Link): void {
    if (this.phase !== "queued") return this.ctx.pool.release(link);
    this.link = link;
    if (link.connected) return this.send();
    this.phase = "connecting";
    this.deadline = Date.now() + this.ctx.timeouts.connectMs;
  }

  onConnected(): void {
    if (this.phase === "connecting") this.send();
  }

  /** The dyno has the connection: the head, and the body so far. */
  private send(): void {
    const link = this.link!;
    this.record.connectMs = Date.now() - this.began;
    const socket = link.socket;
    socket.cork();
    socket.write(this.requestHead(), "latin1");
    this.phase = "sending";
    if (!this.head.upgrade) {
      for (const bytes of this.held) socket.write(bytes);
      this.held = [];
      this.heldBytes = 0;
    }
    socket.uncork();
    this.resumeClient();
    if (this.bodyDone) this.sent();
    else this.deadline = Date.now() + this.ctx.timeouts.idleMs;
  }

  private requestHead(): string {
    const fields = this.target.headers;
    let text = `${this.head.method} ${this.target.path} HTTP/1.1\r\n`;
    for (let i = 0; i < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
    return `${text}\r\n`;
  }

  /** The whole request is with the dyno: its time to answer starts now. */
  private sent(): void {
    this.phase = "waiting";
    this.deadline = Date.now() + this.ctx.timeouts.firstByteMs;
  }

  onData(chunk: Buffer): void {
    if (this.phase === "upgraded") {
      this.deadline = Date.now() + this.ctx.timeouts.idleMs;
      if (!this.conn.socket.write(chunk)) this.link!.socket.pause();
      return;
    }
    if (this.answer) return this.answerBytes(chunk);
    const max = this.ctx.limits.maxHeaderBytes;
    // Most answers' heads come whole in one read: parsed from it, nothing kept.
    let bytes = chunk;
    if (this.answerBuf) {
      this.answerBuf.add(chunk);
      bytes = this.answerBuf.bytes!;
    }
    for (;;) {
      let end = this.answerBuf ? this.answerBuf.headEnd() : wholeHeadEnd(bytes);
      if (end === -1 && !this.answerBuf) {
        this.answerBuf = new Pending();
        this.answerBuf.add(bytes);
        end = this.answerBuf.headEnd();
      }
      if (end === -1 && bytes.length <= max) return;
      if (end < 0) return this.ended("garbled");
      const parsed = parseResponseHead(bytes, max, end);
      if (!parsed || "refuse" in parsed) return this.ended("garbled");
      const rest = bytes.subarray(end);
      const head = parsed.head;
      if (head.status < 200 && head.status !== 101) {
        // An interim answer (100 Continue, 103): the router already said 100 to the client.
        this.answerBuf = undefined;
        if (!rest.length) return;
        bytes = rest;
        continue;
      }
      this.answerBuf = undefined;
      if (head.status === 101) {
        if (!this.head.upgrade) return this.ended("garbled");
        return this.switched(head, rest);
      }
      return this.answerBegins(head, rest);
    }
  }

  private answerBegins(head: ResponseHead, rest: Buffer): void {
    this.answer = head;
    this.phase = "answering";
    this.deadline = Date.now() + this.ctx.timeouts.idleMs;
    this.record.status = head.status;
    const noBody = this.head.method === "HEAD" || head.status === 204 || head.status === 304;
    const clientMinor = this.head.minor;
    let extra = "";
    if (noBody) this.answerLeft = 0;
    else if (head.chunked) {
      this.answerChunks = new ChunkedReader();
      this.dechunk = clientMinor === 0;
      if (!this.dechunk) extra += "Transfer-Encoding: chunked\r\n";
    } else if (head.contentLength !== undefined) this.answerLeft = head.contentLength;
    else this.answerLeft = -1; // until the dyno closes: so must the client's connection
    if (head.close || head.minor === 0) this.reusable = false;
    this.closeClient = this.head.close || this.head.upgrade || clientMinor === 0 || this.answerLeft === -1 || this.dechunk || !this.bodyDone;
    extra += this.closeClient ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    const text = headText(head.status, head.reason, responseHeaders(head.raw, this.target.requestId), extra);
    const client = this.conn.socket;
    if (!noBody && !this.answerChunks && this.answerLeft > 0 && rest.length <= SMALL_ANSWER) {
      // The usual small answer, whole or begun: head and body in one write.
      const take = Math.min(this.answerLeft, rest.length);
      this.answerLeft -= take;
      this.record.bytes += take;
      const ok = client.write(take ? text + rest.toString("latin1", 0, take) : text, "latin1");
      if (this.answerLeft === 0) {
        if (take < rest.length) this.reusable = false;
        return this.complete();
      }
      if (!ok) this.link?.socket.pause();
      return;
    }
    client.cork();
    client.write(text, "latin1");
    if (noBody) {
      client.uncork();
      if (rest.length) this.reusable = false;
      return this.complete();
    }
    if (rest.length) this.answerBytes(rest);
    client.uncork();
    if (!this.answerChunks && this.answerLeft === 0 && this.phase === "answering") this.complete();
  }

  /** Body bytes of the answer: passed on as they come, counted, and the answer's end found. */
  private answerBytes(chunk: Buffer): void {
    if (this.phase !== "answering") return;
    this.deadline = Date.now() + this.ctx.timeouts.idleMs;
    const client = this.conn.socket;
    let ok = true;
    if (this.answerChunks) {
      let data = 0;
      const end = this.answerChunks.read(chunk, 0, (start, stop) => {
        data += stop - start;
        if (this.dechunk) ok = client.write(chunk.subarray(start, stop)) && ok;
      });
      if (end < 0) return this.cut();
      this.record.bytes += data;
      if (!this.dechunk) ok = client.write(end === chunk.length ? chunk : chunk.subarray(0, end));
      if (this.answerChunks.done) {
        if (end < chunk.length) this.reusable = false;
        return this.complete();
      }
    } else if (this.answerLeft < 0) {
      this.record.bytes += chunk.length;
      ok = client.write(chunk);
    } else {
      const take = Math.min(this.answerLeft, chunk.length);
      this.record.bytes += take;
      this.answerLeft -= take;
      ok = client.write(take === chunk.length ? chunk : chunk.subarray(0, take));
      if (this.answerLeft === 0) {
        if (take < chunk.length) this.reusable = false; // more than it said: not to be trusted again
        return this.complete();
      }
    }
    if (!ok) this.link?.socket.pause();
  }

  /** The answer is all with the client. */
  private complete(): void {
    const link = this.link;
    this.link = undefined;
    if (link) {
      link.socket.resume();
      if (this.reusable && this.bodyDone) this.ctx.pool.release(link);
      else this.ctx.pool.discard(link);
    }
    this.over(this.closeClient);
  }

  /** A begun answer that stops short or garbles its framing (H18): the client's answer is cut. */
  private cut(): void {
    this.record.code ??= "H18";
    this.dropLink();
    this.conn.socket.destroy();
    this.over(true);
  }

  private switched(head: ResponseHead, rest: Buffer): void {
    this.record.status = 101;
    this.phase = "upgraded";
    this.deadline = Date.now() + this.ctx.timeouts.idleMs;
    const client = this.conn.socket;
    client.cork();
    client.write(headText(101, head.reason || "Switching Protocols", responseHeaders(head.raw, this.target.requestId, true), ""), "latin1");
    if (rest.length) client.write(rest);
    client.uncork();
    const socket = this.link!.socket;
    for (const bytes of this.held) socket.write(bytes);
    this.held = [];
    this.resumeClient();
    // Logged as the switch happens, as Heroku does.
    this.log();
  }

  onDrain(): void {
    // The dyno took what was written: more of the client's body (or stream) may come.
    this.resumeClient();
  }

  onClosed(connected: boolean): void {
    const link = this.link;
    this.link = undefined;
    if (this.phase === "upgraded") {
      if (link) this.ctx.pool.discard(link);
      this.conn.socket.end();
      return this.over(true);
    }
    if (this.answer) {
      if (this.phase !== "answering") return;
      // Until the dyno closes: that is where the answer ends.
      if (this.answerLeft === -1 && !this.answerChunks) {
        this.reusable = false;
        return this.complete();
      }
      return this.cut();
    }
    if (this.phase === "over") return;
    if (!connected) return this.ended("refused");
    if (link?.reused && !this.staleRetried && !this.hasBody && !this.answerBuf?.length && IDEMPOTENT.has(this.head.method)) return this.ended("stale");
    this.ended("closed");
  }

  /** This attempt is over without an answer: try again, or say why no dyno answered. */
  private ended(why: Failure): void {
    const backend = this.backend!;
    this.releaseBackend();
    this.dropLink();
    this.answerBuf = undefined;
    if (why === "refused") {
      backend.setAsideUntil = Date.now() + this.ctx.timeouts.setAsideMs;
      if (!this.refusedOnce) {
        this.refusedOnce = backend;
        return this.attempt(chooseBackend(this.target.route.backends, Date.now(), backend));
      }
    }
    // A pooled connection the dyno closed as it was reused: nothing was processed; once more, on a
    // new connection, to a dyno chosen again (this one may have just left the table).
    if (why === "stale") {
      this.staleRetried = true;
      return this.attempt(chooseBackend(this.target.route.backends, Date.now()) ?? backend, true);
    }
    this.fail(why);
  }

  private fail(why: Failure): void {
    const app = this.target.app;
    const [answer, code]: [Answer, ErrorCode] =
      why === "refused" ? [appCrashed(app), "H10"]
      : why === "timeout" ? [requestTimeout(app, this.ctx.timeouts.firstByteMs), "H12"]
      : why === "garbled" ? [badResponse(app), "H17"]
      : [closedWithoutResponse(app), "H13"];
    this.record.code = code;
    this.record.status = answer.status;
    const close = !this.bodyDone || this.head.close || this.head.upgrade;
    if (!this.conn.closed) this.conn.socket.write(pageAnswer(answer, this.target.requestId, close));
    this.over(close);
  }

  /** The sweep: the deadline of the current phase. */
  expire(now: number): void {
    if (!this.deadline || now < this.deadline) return;
    switch (this.phase) {
      case "queued":
        this.ctx.pool.cancel(this.backend!, this);
        return this.ended("timeout");
      case "connecting":
        return this.ended("refused");
      case "sending":
        // A request body that stops coming for idleMs (H28).
        this.record.code = "H28";
        this.record.status = 499;
        this.dropLink();
        this.conn.socket.destroy();
        return this.over(true);
      case "waiting":
        return this.ended("timeout");
      case "answering":
        // H15: a begun answer with no byte either way for idleMs.
        this.record.code = "H15";
        this.dropLink();
        this.conn.socket.destroy();
        return this.over(true);
      case "upgraded":
        this.dropLink();
        this.conn.socket.destroy();
        return this.over(true);
    }
  }

  private releaseBackend(): void {
    if (this.backend) this.backend.inFlight--;
    this.backend = undefined;
  }

  private dropLink(): void {
    const link = this.link;
    this.link = undefined;
    if (link) this.ctx.pool.discard(link);
    else if (this.phase === "queued" && this.backend) this.ctx.pool.cancel(this.backend, this);
  }

  /** The exchange is done: counted off and logged (once: an upgrade was at its switch), the connection told. */
  private over(closeClient: boolean): void {
    if (this.phase === "over") return;
    this.phase = "over";
    this.deadline = 0;
    this.releaseBackend();
    this.resumeClient();
    this.log();
    this.conn.finished(closeClient);
  }

  /** Once: counted off the app, the service time set, the line written. */
  private log(): void {
    if (this.logged) return;
    this.logged = true;
    this.target.route.inFlight--;
    const record = this.record;
    record.serviceMs = Math.max(0, Date.now() - this.target.start - record.connectMs);
    this.ctx.done(record);
  }
}

const CRLF = Buffer.from("\r\n", "latin1");
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
