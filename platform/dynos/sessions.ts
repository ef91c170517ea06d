// Attached one-off dynos (`ouro run`, heroku's `run`): the rendezvous server hands over a
// client's connection once it gave its run's secret; the run's container is then started with its
// stdin and output joined to that connection, so nothing it prints is lost. When the dyno exits
// the run is settled (its exit code recorded), its exit status sent as heroku's CLI reads it, and
// only then is the connection closed, so a client that reads the run next finds its exit code. A client that goes away leaves its dyno to be
// stopped by the next reconcile (diffRuns: the client is gone).
import type { Duplex, Readable } from "node:stream";
import { Transform } from "node:stream";
import { type Log, background } from "../lib/background.ts";
import { type TerminalSize, exitStatusLine } from "../lib/run-contract.ts";
import type { Engine } from "./engine.ts";
import { type DesiredDyno, dynoName } from "./model.ts";
import type { Terminal } from "./runs.ts";

/** The run a client's secret named, as the rendezvous server found it. */
export interface AttachedRun {
  id: string;
  app: string;
  dyno: string;
}

interface Session {
  run: AttachedRun;
  socket: Duplex;
  containerId?: string;
}

export interface SessionsOptions {
  engine: Pick<Engine, "start" | "resize" | "exited">;
  log: Log;
  /** Reconciles the app's one-off dynos and resolves once that is done. */
  settle: (app: string) => Promise<void>;
}

export function createSessions(opts: SessionsOptions) {
  const { engine, log } = opts;
  const sessions = new Map<string, Session>();

  /** Per run, the resize in flight: the next one waits for it. */
  const resizing = new Map<string, Promise<void>>();

  async function resizeNow(runId: string, size: TerminalSize): Promise<void> {
    const id = sessions.get(runId)?.containerId;
    // Said either way: a terminal that keeps its old size is otherwise a mystery.
    if (!id) return log(`run ${runId}: a resize to ${size.columns}×${size.lines} found no attached terminal here`);
    await engine.resize(id, size);
    log(`run ${runId}: terminal resized to ${size.columns}×${size.lines}`);
  }

  function settleSoon(app: string, why: string) {
    background(log, `${app}: reconciling one-off dynos (${why})`, () => opts.settle(app));
  }

  /** Joins the container's streams to the client's; when the output ends, settles, then closes. */
  function join(session: Session, stream: Duplex, tty: boolean) {
    const { socket, run } = session;
    // The client's end of input (a half-close) closes the dyno's stdin (StdinOnce). A client with
    // a terminal never half-closes (heroku's sends Ctrl-D instead): its end is its going away.
    socket.pipe(stream);
    if (tty) socket.once("end", () => socket.destroy());
    const output: Readable = tty ? stream : stream.pipe(demuxed());
    output.pipe(socket, { end: false });
    // A client gone keeps nothing from reading on: what the dyno still prints is dropped.
    socket.once("close", () => output.resume());
    output.once("end", () =>
      background(log, `${run.app} ${run.dyno}: ending the attached session`, async () => {
        let code: number | null = null;
        try {
          if (session.containerId) code = await engine.exited(session.containerId);
          await opts.settle(run.app);
        } finally {
          // Its own write, so it reaches the client as one piece, as heroku's CLI needs.
          if (code !== null && !socket.destroyed) socket.write(exitStatusLine(code));
          socket.end();
        }
      }),
    );
  }

  return {
    /** Runs whose client is connected now. */
    connected(): ReadonlySet<string> {
      return new Set(sessions.keys());
    },

    /** A client gave its run's secret: its connection waits here until the run starts. */
    connect(run: AttachedRun, socket: Duplex): void {
      const session: Session = { run, socket };
      sessions.set(run.id, session);
      // A client that drops the connection is no error of ours; its dyno is stopped for it.
      socket.on("error", () => socket.destroy());
      socket.once("close", () => {
        if (sessions.get(run.id) === session) sessions.delete(run.id);
        settleSoon(run.app, `${run.dyno}'s client left`);
      });
      settleSoon(run.app, `${run.dyno}'s client connected`);
    },

    /** Starts an attached run's container joined to its client; false when the client has gone. */
    async start(dyno: DesiredDyno, terminal: Terminal): Promise<boolean> {
      const session = sessions.get(dyno.runId ?? "");
      if (!session || session.socket.destroyed) return false;
      let stream: Duplex | undefined;
      const connect = (attached: Duplex) => {
        stream = attached;
        attached.on("error", (error: Error) => log(`${dyno.app} ${dynoName(dyno)}: attached stream failed: ${error.message}`));
      };
      try {
        session.containerId = await engine.start(dyno, { terminal, connect });
      } catch (error) {
        stream?.destroy();
        session.socket.destroy();
        throw error;
      }
      if (stream) join(session, stream, terminal.tty);
      log(`${dyno.app}: ${dynoName(dyno)} started, attached${terminal.tty ? " with a terminal" : ""}`);
      return true;
    },

    /**
     * An attached terminal's new size, if that run's session is here and running. One run's
     * resizes go to the engine one at a time, in the order they came: two at once (`stty cols 120
     * rows 40` makes two, a millisecond apart) were seen applied in the other order, leaving the
     * older size.
     */
    async resize(runId: string, size: TerminalSize): Promise<void> {
      const previous = resizing.get(runId) ?? Promise.resolve();
      const next = previous.then(() => resizeNow(runId, size));
      const settled = next.catch(() => {});
      resizing.set(runId, settled);
      try {
        await next;
      } finally {
        if (resizing.get(runId) === settled) resizing.delete(runId);
      }
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/**
 * Docker's attach stream without a terminal interleaves stdout and stderr in frames (an 8-byte
 * header: the stream, 3 bytes of 0, the length); the client gets both, in order, as one stream.
 */
export function demuxed(): Transform {
  let pending: Buffer = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        if (size > 0) this.push(pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
      done();
    },
  });
}
