// One request's exchange with the app's dynos, up to the first byte of the answer. A dyno that
// refuses the connection (or does not take it within connectMs) is set aside and the request tried
// once on another; the request body is held back until a dyno took the connection, so a retried
// request (POST included) reaches exactly one dyno. Then H12 when the answer is late, H13 or H17
// when the dyno closes or garbles before answering; what follows the answer's head is the caller's.
import http from "node:http";
import type { Socket } from "node:net";
import type { Admitted } from "./admit.ts";
import { chooseBackend } from "./balance.ts";
import type { ProxyTimeouts } from "./options.ts";
import { type Answer, type ErrorCode, appCrashed, badResponse, closedWithoutResponse, requestTimeout } from "./pages.ts";
import type { Backend } from "./table.ts";

export interface Exchange {
  /** The pool of connections to dynos; false for a connection of its own (an upgrade). */
  agent: http.Agent | false;
  timeouts: ProxyTimeouts;
}

/** The ways an attempt ends before the dyno answered. */
type Failure = "refused" | "stale" | "closed" | "garbled" | "timeout";

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Attempts {
  /** The dyno's answer began: headers in hand, the socket to read the body from. */
  onResponse(answer: http.IncomingMessage, backend: Backend): void;
  /** An upgrade the dyno accepted (101). */
  onUpgrade?(answer: http.IncomingMessage, socket: Socket, head: Buffer, backend: Backend): void;
  /** No dyno answered: the router's own answer, with its code. */
  onFailure(answer: Answer, code: ErrorCode): void;
}

/**
 * Sends the request to a dyno, retrying once as above, and hands over the answer. Returns
 * `abort`, which ends the attempt in progress (the client went away).
 */
export function sendToDyno(ex: Exchange, target: Admitted, req: http.IncomingMessage, events: Attempts): { abort: () => void } {
  const { record, route } = target;
  const hasBody = req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
  let refusedOnce: Backend | undefined;
  let staleRetried = false;
  /** Ends the attempt in progress, releasing its dyno at once. */
  let endCurrent = () => {};
  let over = false;

  const attempt = (backend: Backend | undefined, fresh = false) => {
    if (!backend) return fail("refused");
    const began = Date.now();
    let connected = false;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      backend.inFlight--;
      clearTimeout(timer);
    };
    backend.inFlight++;
    record.dyno = backend.dyno;

    const request = http.request({
      host: backend.host, port: backend.port, method: req.method, path: target.path,
      headers: target.headers, agent: fresh ? false : ex.agent, setHost: false,
    });
    endCurrent = () => {
      ended("closed");
      if (answered) request.destroy();
    };

    /** This attempt is over without an answer: try again, or say why no dyno answered. */
    const ended = (why: Failure) => {
      if (answered || released) return;
      release();
      request.destroy();
      if (hasBody) req.unpipe(request);
      if (over) return;
      if (why === "refused") {
        backend.setAsideUntil = Date.now() + ex.timeouts.setAsideMs;
        if (!refusedOnce) {
          refusedOnce = backend;
          return attempt(chooseBackend(route.backends, Date.now(), backend));
        }
      }
      // A pooled connection the dyno closed as it was reused: nothing was processed; once more, on a
      // new connection, to a dyno chosen again (this one may have just left the table).
      if (why === "stale") {
        staleRetried = true;
        return attempt(chooseBackend(route.backends, Date.now()) ?? backend, true);
      }
      fail(why);
    };
    // Until the first byte of the answer, one deadline at a time: a free connection in the pool
    // (waiting for one is no refusal), the connection, then the answer itself.
    const arm = (ms: number, why: Failure) => {
      clearTimeout(timer);
      timer = setTimeout(() => ended(why), ms);
    };
    arm(ex.timeouts.firstByteMs, "timeout");

    const onConnected = () => {
      if (released) return;
      connected = true;
      record.connectMs = Date.now() - began;
      // While the body is on its way, the client's idle timeout bounds the wait; then the dyno's turn.
      clearTimeout(timer);
      if (hasBody) req.pipe(request);
      else request.end();
    };
    request.on("socket", (socket: Socket) => {
      if (!socket.connecting) return onConnected();
      arm(ex.timeouts.connectMs, "refused");
      socket.once("connect", onConnected);
    });
    // The whole body is with the dyno: its time to answer starts now.
    request.on("finish", () => !answered && !released && arm(ex.timeouts.firstByteMs, "timeout"));

    request.on("error", (error: NodeJS.ErrnoException) => {
      if (!connected) return ended("refused");
      if (error.code?.startsWith("HPE_")) return ended("garbled");
      if (request.reusedSocket && !staleRetried && !hasBody && IDEMPOTENT.has(req.method ?? "")) return ended("stale");
      ended("closed");
    });
    // Whatever ends the request before an answer (an abort included) releases the dyno.
    request.on("close", () => ended("closed"));
    request.on("response", (answer: http.IncomingMessage) => {
      if (released) return void answer.destroy();
      answered = true;
      clearTimeout(timer);
      answer.once("close", release);
      events.onResponse(answer, backend);
    });
    request.on("upgrade", (answer: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (released || !events.onUpgrade) {
        socket.destroy();
        return ended("garbled");
      }
      answered = true;
      clearTimeout(timer);
      socket.once("close", release);
      events.onUpgrade(answer, socket, head, backend);
    });
  };

  const fail = (why: Failure) => {
    over = true;
    if (why === "refused") return events.onFailure(appCrashed(target.app), "H10");
    if (why === "timeout") return events.onFailure(requestTimeout(target.app, ex.timeouts.firstByteMs), "H12");
    if (why === "garbled") return events.onFailure(badResponse(target.app), "H17");
    events.onFailure(closedWithoutResponse(target.app), "H13");
  };

  attempt(chooseBackend(route.backends, Date.now()));
  return {
    abort() {
      over = true;
      endCurrent();
    },
  };
}

