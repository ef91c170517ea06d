// The router's timeouts and limits, Heroku's by default; tests pass shorter ones to createProxy.

export interface ProxyTimeouts {
  /** From sending the request (its body included) to the first byte of the dyno's answer: then H12. */
  firstByteMs: number;
  /** No byte either way on a started answer (H15) or an upgraded connection: it is closed. Also a client's idle request body. */
  idleMs: number;
  /** For a client to send its request headers (slowloris): then 408 and the connection closes. */
  headersMs: number;
  /** An idle kept-alive client connection is closed after this. */
  keepAliveMs: number;
  /** To connect to a dyno; one that does not answer in time is treated as refusing. */
  connectMs: number;
  /** A dyno that refused a connection gets no new request for this long, unless no other is left. */
  setAsideMs: number;
  /** An idle pooled connection to a dyno is closed after this: less than Node's 5 s, so the router closes first. */
  poolIdleMs: number;
}

export interface ProxyLimits {
  /** Bytes of the request line. */
  maxRequestLine: number;
  /** Bytes of each header line. */
  maxHeaderLine: number;
  /** Bytes of the request line and all headers together (Node's parser refuses more with 431). */
  maxHeaderBytes: number;
  /** Connections the router opens to one dyno; requests beyond them wait for one. */
  maxSocketsPerDyno: number;
  /** Requests for one app that may wait beyond its dynos' connections; more get 503 H11. */
  maxBacklogPerApp: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ProxyTimeouts> = {
  firstByteMs: 30_000,
  idleMs: 55_000,
  headersMs: 10_000,
  keepAliveMs: 90_000,
  connectMs: 5_000,
  setAsideMs: 5_000,
  poolIdleMs: 4_000,
};

export const DEFAULT_LIMITS: Readonly<ProxyLimits> = {
  maxRequestLine: 8192,
  maxHeaderLine: 8192,
  maxHeaderBytes: 64 * 1024,
  maxSocketsPerDyno: 128,
  maxBacklogPerApp: 1024,
};
