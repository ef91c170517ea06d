// The rendezvous server: where the client of an attached one-off dyno connects (heroku's
// protocol, platform/lib/run-contract.ts). TLS on 127.0.0.1; the client sends its run's secret
// and CRLF; a secret that names a run still waiting for its client, within its minute, is taken
// (once: the database forgets it) and the connection goes to that run's session. Anything else —
// a wrong, used or late secret, a line too long or too slow — gets no byte back and is closed:
// a client learns nothing but that it was refused. Secrets are never logged.
import type { AddressInfo } from "node:net";
import { type TLSSocket, createServer } from "node:tls";
import { type Log, background } from "../lib/background.ts";
import { RENDEZVOUS_ACK, hashAttachSecret, isAttachSecret } from "../lib/run-contract.ts";
import type { AttachedRun } from "./sessions.ts";

/** A secret line is 43 characters and CRLF; anything much longer is not one. */
const MAX_LINE_BYTES = 128;
/** How long a connection may be silent before TCP asks whether the client is still there. */
const KEEPALIVE_MS = 3_000;

export interface RendezvousOptions {
  tls: { key: string; cert: string };
  /** Takes a secret (by its hash) once: the run it names if that run still waits for its client. */
  claim: (secretHash: Buffer) => Promise<AttachedRun | undefined>;
  /** The client's connection, for the run's session; the server has sent its line. */
  onAttach: (run: AttachedRun, socket: TLSSocket) => void;
  log: Log;
  /** How long a client has, once connected, to send its secret. */
  handshakeMs?: number;
}

export function createRendezvous(opts: RendezvousOptions) {
  const { log } = opts;
  // Half-open: a client without a terminal ends its input (stdin's EOF) and still reads the output.
  const server = createServer({ ...opts.tls, allowHalfOpen: true, minVersion: "TLSv1.2" }, (socket) =>
    background(log, "a rendezvous connection", () => handshake(socket)),
  );
  server.maxConnections = 256;
  // A client that fails TLS itself sent no secret: nothing to do, nothing worth a line each time.
  server.on("tlsClientError", (_error, socket) => socket.destroy());

  async function handshake(socket: TLSSocket) {
    socket.on("error", () => socket.destroy());
    // A client whose input has ended (half-closed) may still read, or may be gone: only a probe
    // the other end answers with a reset tells, and a session whose client is gone must end.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    const line = await readLine(socket, opts.handshakeMs ?? 10_000);
    const secret = line?.replace(/\r$/, "");
    const run = secret !== undefined && isAttachSecret(secret) ? await opts.claim(hashAttachSecret(secret)) : undefined;
    if (!run || socket.destroyed) {
      log("rendezvous: refused a connection that gave no valid secret");
      socket.destroy();
      return;
    }
    log(`rendezvous: ${run.app} ${run.dyno}: client attached`);
    socket.write(RENDEZVOUS_ACK);
    opts.onAttach(run, socket);
  }

  return {
    /** Listens; resolves with the port (0 picks a free one). */
    listen(port: number, host: string): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close(): Promise<void> {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The first line a client sends, without its newline; what came after it is put back for the
 * session to read. Undefined when the client closes, sends too much or takes too long.
 */
function readLine(socket: TLSSocket, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (line: string | undefined, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      socket.pause();
      if (rest?.length) socket.unshift(rest);
      resolve(line);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(0x0a);
      if (end >= 0 && end <= MAX_LINE_BYTES) done(received.subarray(0, end).toString("latin1"), received.subarray(end + 1));
      else if (end > MAX_LINE_BYTES || (end < 0 && received.length > MAX_LINE_BYTES)) done(undefined);
    };
    const onClose = () => done(undefined);
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}
