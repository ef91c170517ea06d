// The client side of an attached one-off dyno (`ouro run`): the rendezvous protocol heroku's CLI
// speaks (platform/lib/run-contract.ts). With a terminal, the local one is put in raw mode, so
// every key, Ctrl-C included, reaches the dyno's terminal as it is (its foreground process gets
// SIGINT from there, as on a local terminal), and it is always put back. Without one, stdin goes
// through as it is and its end closes the dyno's stdin.
import { Transform } from "node:stream";
import { type TLSSocket, connect } from "node:tls";
import { background } from "../lib/background.ts";
import { EXIT_STATUS_LINE, type TerminalSize, parseAttachUrl } from "../lib/run-contract.ts";
import { CliError } from "./errors.ts";

export interface AttachOptions {
  /** The run's `attach_url`, and the fingerprint of the certificate its server must present. */
  url: string | null;
  fingerprint: string | null | undefined;
  tty: boolean;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** The server took the secret: the dyno is starting, joined to us. */
  onUp?: () => void;
  /** The local window's new size (with a terminal). */
  onResize?: (size: TerminalSize) => void;
  /**
   * Without a terminal, SIGINT, SIGTERM or SIGHUP leave the dyno: this stops it first. (The end
   * of the connection cannot say so: without a terminal it is the end of stdin, and the dyno runs on.)
   */
  onLeave?: () => Promise<void>;
}

/** Four Ctrl-C within a second leave the dyno (it is stopped), as heroku's CLI does. */
const FORCE_QUIT = { count: 4, withinMs: 1000 };

/** Joins stdin and stdout to the dyno until it exits (the server closes) or we leave. */
export async function attachToDyno(opts: AttachOptions): Promise<void> {
  const target = opts.url ? parseAttachUrl(opts.url) : undefined;
  if (!target) throw new CliError(`the API answered with no usable attach_url (${opts.url ?? "none"}); is it an Ouro API that attaches dynos?`);
  if (!opts.fingerprint) throw new CliError("the API did not name the rendezvous server's certificate (attach_fingerprint): not connecting");
  const socket = await openPinned(target.host, target.port, opts.fingerprint);
  socket.write(`${target.secret}\r\n`);
  const rest = await readAck(socket);
  opts.onUp?.();
  if (rest.length) opts.stdout.write(rest);
  await join(socket, opts);
}

/**
 * TLS to the rendezvous server, trusting exactly one certificate: the one whose SHA-256 the API
 * (reached with the user's key) named. The certificate is self-signed, made on the platform's
 * host, so no CA could vouch for it; pinning it means a server with any other certificate never
 * sees the secret. heroku's CLI checks it against its CAs instead (NODE_EXTRA_CA_CERTS: README).
 */
function openPinned(host: string, port: number, fingerprint: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // The pin is checked below, before a byte is sent: the CA check is the one thing left out.
    const socket = connect({ host, port, rejectUnauthorized: false });
    socket.once("error", (error) => reject(new CliError(`could not connect to the dyno at ${host}:${port}: ${error.message}`)));
    socket.once("secureConnect", () => {
      const presented = socket.getPeerCertificate().fingerprint256 ?? "";
      if (presented.toUpperCase() !== fingerprint.toUpperCase()) {
        socket.destroy();
        return reject(new CliError(`the server at ${host}:${port} presented a certificate (${presented}) other than the platform's (${fingerprint}): not sending the secret`));
      }
      resolve(socket);
    });
  });
}

/** The server's line once it took the secret; what came after it is the dyno's first output. */
function readAck(socket: TLSSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf("\r\n");
      if (end < 0) return;
      socket.off("data", onData).off("close", onClose);
      socket.pause();
      resolve(received.subarray(end + 2));
    };
    const onClose = () =>
      reject(new CliError("the dyno manager refused the connection: its secret was used already or came too late (a one-off dyno waits a minute for its client)"));
    socket.on("data", onData).once("close", onClose);
  });
}

function join(socket: TLSSocket, opts: AttachOptions): Promise<void> {
  const { stdin, stdout } = opts;
  const restore = opts.tty ? rawMode(stdin) : () => {};
  // With a terminal, leaving is the end of the connection (the dyno is stopped for us); without, say so.
  const ignoreSignals = opts.tty ? () => {} : onSignals(async () => {
    await opts.onLeave?.().catch(() => {});
    socket.destroy();
  });
  return new Promise<void>((resolve, reject) => {
    const stopResizing = opts.tty && opts.onResize ? watchWindow(stdout, opts.onResize) : () => {};
    const done = (error?: Error) => {
      ignoreSignals();
      stopResizing();
      stdin.unpipe(socket);
      stdin.off("data", onKeys);
      stdin.pause();
      restore();
      if (error) reject(error);
      else resolve();
    };
    let interrupts: number[] = [];
    const onKeys = (chunk: Buffer) => {
      const now = Date.now();
      for (const byte of chunk) if (byte === 0x03) interrupts.push(now);
      interrupts = interrupts.filter((t) => t > now - FORCE_QUIT.withinMs);
      if (interrupts.length >= FORCE_QUIT.count) {
        process.stderr.write("\r\nLeaving the dyno (Ctrl-C four times); it is being stopped.\r\n");
        socket.destroy();
      }
    };
    const output = withoutExitStatus();
    socket.pipe(output).pipe(stdout, { end: false });
    socket.once("error", (error) => done(new CliError(`the connection to the dyno broke off: ${error.message}`)));
    // Done once what the dyno printed is all out (the output's last bytes wait for the end).
    socket.once("close", () => {
      if (output.readableEnded) return done();
      output.once("end", () => done());
      if (!output.writableEnded) output.end();
    });
    if (opts.tty) stdin.on("data", onKeys);
    // Without a terminal, stdin's end half-closes the connection: the dyno's stdin ends, its output goes on.
    stdin.pipe(socket, { end: !opts.tty });
    stdin.resume();
  });
}

/** Raw mode on the local terminal; what puts it back, also on exit and on SIGTERM or SIGHUP. */
function rawMode(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY) return () => {};
  stdin.setRawMode(true);
  const restore = () => {
    process.off("exit", restore);
    ignoreSignals();
    if (stdin.isRaw) stdin.setRawMode(false);
  };
  const ignoreSignals = onSignals(async () => restore());
  process.once("exit", restore);
  return restore;
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type Signal = keyof typeof SIGNALS;

/** On SIGINT, SIGTERM or SIGHUP: `cleanUp`, then exit as that signal would have. Returns what undoes it. */
function onSignals(cleanUp: () => Promise<void>): () => void {
  const handler = (signal: Signal) => {
    // Exits as the signal would have, whether or not the clean-up worked (a failure is said first).
    background((line) => process.stderr.write(`${line}\n`), "cleaning up before exit", () => cleanUp().finally(() => process.exit(SIGNALS[signal])));
  };
  const signals = Object.keys(SIGNALS) as Signal[];
  for (const signal of signals) process.once(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/** Calls `onResize` when the local window changes size (SIGWINCH); returns what stops watching. */
function watchWindow(stdout: NodeJS.WriteStream, onResize: (size: TerminalSize) => void): () => void {
  if (!stdout.isTTY) return () => {};
  const onChange = () => {
    if (stdout.columns > 0 && stdout.rows > 0) onResize({ columns: stdout.columns, lines: stdout.rows });
  };
  stdout.on("resize", onChange);
  return () => stdout.off("resize", onChange);
}

/**
 * The dyno's output without the exit status line its session ends with (heroku's CLI reads it;
 * this one asks the API). Bytes from a U+FFFF near the end wait for what follows or for the end,
 * where only that exact line is dropped.
 */
function withoutExitStatus(): Transform {
  const mark = Buffer.from("\uFFFF");
  let held: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const data = held.length ? Buffer.concat([held, chunk]) : chunk;
      const at = data.lastIndexOf(mark);
      const keep = at >= 0 && data.length - at <= 64 ? at : data.length;
      held = data.subarray(keep);
      callback(null, data.subarray(0, keep));
    },
    flush(callback) {
      const text = held.toString("utf8");
      callback(null, EXIT_STATUS_LINE.test(text) ? Buffer.from(text.replace(EXIT_STATUS_LINE, "")) : held);
    },
  });
}
