// Kept-alive connections to dynos, shared by every server of one router: per dyno at most
// `maxSocketsPerDyno` open, the most recently used idle one first (LIFO keeps few warm), and
// requests beyond them waiting in order for one to come free. Each connection's listeners are
// set once, when it is made, and call whichever exchange owns it now: nothing is added or taken
// off per request. An idle connection that says anything, ends, or outstays `idleMs` is closed.
import net from "node:net";
import type { Backend } from "./table.ts";

/** The exchange a connection serves now. */
export interface LinkOwner {
  /** A connection is the exchange's: connected already (handed over idle), or connecting. */
  onLinked(link: Link): void;
  /** The connection being made is up. */
  onConnected(): void;
  /** Bytes from the dyno, the owner's to keep; false pauses the connection until it is resumed. */
  onData(chunk: Buffer): boolean | void;
  onDrain(): void;
  /** The dyno ended or the connection closed; `connected` says whether it ever connected. */
  onClosed(connected: boolean): void;
}

export class Link {
  readonly socket: net.Socket;
  readonly address: string;
  owner: LinkOwner | undefined;
  connected = false;
  /** Served a request before this one: a close before any answer may just be the dyno's keep-alive ending. */
  reused = false;
  idleSince = 0;
  /** Outside the pool (an upgrade): never handed to another exchange. */
  readonly own: boolean;

  constructor(socket: net.Socket, address: string, own: boolean) {
    this.socket = socket;
    this.address = address;
    this.own = own;
  }
}

/** Where every dyno connection's reads land (copied out at once). */
const READS = Buffer.allocUnsafe(64 * 1024);

export class DynoPool {
  private readonly idle = new Map<string, Link[]>();
  private readonly open = new Map<string, number>();
  private readonly waiting = new Map<string, { backend: Backend; owner: LinkOwner }[]>();
  private readonly maxPerDyno: number;
  private readonly idleMs: number;
  private readonly maxIdlePerDyno: number;

  constructor(opts: { maxSocketsPerDyno: number; idleMs: number; maxIdlePerDyno?: number }) {
    this.maxPerDyno = opts.maxSocketsPerDyno;
    this.idleMs = opts.idleMs;
    this.maxIdlePerDyno = opts.maxIdlePerDyno ?? 64;
  }

  /**
   * A connection to `backend` for `owner` (it hears onLinked): an idle one at once, a new one
   * (then onConnected once it is up), or, with all `maxSocketsPerDyno` busy, the next one freed.
   * `own`: a new connection of the exchange's own, outside the pool's count (an upgrade, a retry).
   */
  acquire(backend: Backend, owner: LinkOwner, own = false): void {
    if (!own) {
      const link = this.idle.get(backend.address)?.pop();
      if (link) {
        link.owner = owner;
        link.reused = true;
        return owner.onLinked(link);
      }
      if ((this.open.get(backend.address) ?? 0) >= this.maxPerDyno) {
        let queue = this.waiting.get(backend.address);
        if (!queue) this.waiting.set(backend.address, (queue = []));
        queue.push({ backend, owner });
        return;
      }
    }
    this.connect(backend, owner, own);
  }

  /** Takes `owner` out of the queue it waits in, if any. */
  cancel(backend: Backend, owner: LinkOwner): void {
    const queue = this.waiting.get(backend.address);
    const at = queue?.findIndex((w) => w.owner === owner) ?? -1;
    if (at >= 0) queue!.splice(at, 1);
  }

  /** A connection whose exchange ended cleanly: to the next waiting exchange, or idle. */
  release(link: Link): void {
    link.owner = undefined;
    if (link.own || link.socket.destroyed) return void link.socket.destroy();
    const next = this.waiting.get(link.address)?.shift();
    if (next) {
      link.owner = next.owner;
      link.reused = true;
      return next.owner.onLinked(link);
    }
    let idle = this.idle.get(link.address);
    if (!idle) this.idle.set(link.address, (idle = []));
    if (idle.length >= this.maxIdlePerDyno) return void link.socket.destroy();
    link.idleSince = Date.now();
    idle.push(link);
  }

  /** A connection in an unknown state (an exchange cut short): closed, never reused. */
  discard(link: Link): void {
    link.owner = undefined;
    link.socket.destroy();
  }

  /** Closes the idle connections to a dyno that left the table. */
  drop(address: string): void {
    for (const link of this.idle.get(address)?.splice(0) ?? []) link.socket.destroy();
  }

  /** Closes idle connections older than idleMs (the router's sweep calls it). */
  sweep(now: number): void {
    for (const [address, idle] of this.idle) {
      while (idle.length && now - idle[0]!.idleSince >= this.idleMs) idle.shift()!.socket.destroy();
      if (!idle.length) this.idle.delete(address);
    }
  }

  destroy(): void {
    for (const idle of this.idle.values()) for (const link of idle.splice(0)) link.socket.destroy();
    this.waiting.clear();
  }

  private connect(backend: Backend, owner: LinkOwner, own: boolean): void {
    // Reads land in one buffer shared by every connection (`onread`), without the stream machinery;
    // what an exchange keeps of them is copied out first. A `false` return pauses the connection.
    let link: Link;
    const socket = net.connect({
      host: backend.host, port: backend.port, noDelay: true,
      onread: {
        buffer: READS,
        callback: (bytes: number): boolean => {
          if (!link.owner) {
            socket.destroy(); // an idle connection has nothing to say
            return false;
          }
          const chunk = Buffer.allocUnsafe(bytes);
          READS.copy(chunk, 0, 0, bytes);
          return link.owner.onData(chunk) !== false;
        },
      },
    });
    link = new Link(socket, backend.address, own);
    link.owner = owner;
    if (!own) this.open.set(backend.address, (this.open.get(backend.address) ?? 0) + 1);
    socket.on("connect", () => {
      link.connected = true;
      link.owner?.onConnected();
    });
    socket.on("drain", () => link.owner?.onDrain());
    socket.on("end", () => {
      const owner = link.owner;
      if (!owner) return void socket.destroy();
      socket.end();
      link.owner = undefined;
      owner.onClosed(link.connected);
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      const owner = link.owner;
      link.owner = undefined;
      if (!own) this.forget(link, backend);
      owner?.onClosed(link.connected);
    });
    owner.onLinked(link);
  }

  private forget(link: Link, backend: Backend): void {
    this.open.set(link.address, (this.open.get(link.address) ?? 1) - 1);
    const idle = this.idle.get(link.address);
    const at = idle?.indexOf(link) ?? -1;
    if (at >= 0) idle!.splice(at, 1);
    // A place came free: the next waiting exchange gets a new connection.
    const next = this.waiting.get(link.address)?.shift();
    if (next) this.connect(backend, next.owner, false);
  }
}
