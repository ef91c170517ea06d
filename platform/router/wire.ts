// HTTP/1.1 on the wire, strictly (RFC 9112): message heads of requests (from clients) and of
// responses (from dynos), and chunked bodies. Whatever could be read two ways is refused —
// a bare LF or CR, an obs-fold, a space before a colon, Content-Length twice or as a list or
// signed, Transfer-Encoding other than a lone `chunked`, both framings at once, a chunk size
// that is not plain hex — so that no peer behind or in front of the router reads a message's
// bounds differently from it (request smuggling). Pure: bytes in, a parsed head or a refusal out.

/** What a message head is made of, request or response. */
export interface Head {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** The header fields as sent: name, value, name, value, … (values trimmed of SP and HTAB). */
  raw: string[];
  /** The body's length when Content-Length framed it. */
  contentLength: number | undefined;
  chunked: boolean;
  /** `Connection: close`, or HTTP/1.0 without `Connection: keep-alive`: the connection ends after this message. */
  close: boolean;
  /** `Connection: upgrade` with an `Upgrade` field. */
  upgrade: boolean;
}

export interface RequestHead extends Head {
  method: string;
  target: string;
  /** The first Host field's value, and how many there were. */
  host: string | undefined;
  hosts: number;
  requestId: string | undefined;
  expectContinue: boolean;
}

export interface ResponseHead extends Head {
  status: number;
  reason: string;
}

/** A head in full (`length` bytes of the buffer), none yet (undefined), or the status to refuse it with. */
export type Parsed<T> = { head: T; length: number } | { refuse: 400 | 431 } | undefined;

/** Every field line of a head, each with its CRLF: a token, a colon, a value of visible characters, SP and HTAB. */
const FIELD_LINES = /^(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*$/;
/** A CR not followed by LF, or an LF not preceded by CR, in a head still arriving (its last CR may wait for its LF). */
const BARE_SO_FAR = /\r[^\n]|(?<!\r)\n/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const DIGITS = /^\d{1,15}$/;

const TERMINATOR = Buffer.from("\r\n\r\n", "latin1");

/**
 * The start line and the field lines (with their CRLFs) of the head at the start of `buf`;
 * undefined while its end has not come; a refusal for anything but token-colon-value lines
 * ending in CRLF (a bare LF or CR, a control character, an obs-fold, a space before a colon),
 * or for a head past `maxBytes`.
 */
function headText(buf: Buffer, maxBytes: number, known?: number): { start: string; fields: string; length: number } | { refuse: 400 | 431 } | undefined {
  const end = known === undefined ? buf.indexOf(TERMINATOR) : known - 4;
  if (end < 0) {
    // A head of bare LFs never ends with CRLFCRLF: refused as soon as one shows.
    if (buf.indexOf(10) >= 0 && BARE_SO_FAR.test(buf.toString("latin1", 0, Math.min(buf.length, maxBytes)))) return { refuse: 400 };
    return buf.length > maxBytes ? { refuse: 431 } : undefined;
  }
  if (end + 4 > maxBytes) return { refuse: 431 };
  const text = buf.toString("latin1", 0, end + 2);
  const eol = text.indexOf("\r\n");
  const fields = text.slice(eol + 2);
  if (!FIELD_LINES.test(fields)) return { refuse: 400 };
  return { start: text.slice(0, eol), fields, length: end + 4 };
}

/** Trims SP and HTAB from both ends (String.trim takes more: NBSP, VT, FF). */
function trimOws(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && (text.charCodeAt(a) === 32 || text.charCodeAt(a) === 9)) a++;
  while (b > a && (text.charCodeAt(b - 1) === 32 || text.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

/** What the (valid) field lines say of framing and the connection, set on `head`; false when they contradict. */
function readFields(text: string, minor: 0 | 1, head: Head & Partial<RequestHead>): boolean {
  const raw: string[] = [];
  let contentLength: number | undefined;
  let lengths = 0;
  let encodings = 0;
  let chunked = false;
  let close = minor === 0;
  let upgradeToken = false;
  let upgradeField = false;
  let host: string | undefined;
  let hosts = 0;
  let requestId: string | undefined;
  let expectContinue = false;
  for (let pos = 0; pos < text.length; ) {
    const eol = text.indexOf("\r\n", pos);
    const colon = text.indexOf(":", pos);
    const name = text.slice(pos, colon);
    const value = trimOws(text.slice(colon + 1, eol));
    pos = eol + 2;
    raw.push(name, value);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === "host") {
          hosts++;
          host ??= value;
        }
        break;
      case 6:
        if (name.toLowerCase() === "expect" && value.toLowerCase() === "100-continue") expectContinue = true;
        break;
      case 7:
        if (name.toLowerCase() === "upgrade") upgradeField = true;
        break;
      case 10:
        if (name.toLowerCase() === "connection") {
          for (const token of value.toLowerCase().split(",")) {
            const t = token.trim();
            if (t === "close") close = true;
            else if (t === "keep-alive" && minor === 0) close = false;
            else if (t === "upgrade") upgradeToken = true;
          }
        }
        break;
      case 12:
        if (name.toLowerCase() === "x-request-id") requestId ??= value;
        break;
      case 14:
        if (name.toLowerCase() === "content-length") {
          if (!DIGITS.test(value) || ++lengths > 1) return false;
          contentLength = Number(value);
        }
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") {
          if (++encodings > 1 || value.toLowerCase() !== "chunked") return false;
          chunked = true;
        }
        break;
    }
  }
  if (chunked && (lengths > 0 || minor === 0)) return false;
  head.minor = minor;
  head.raw = raw;
  head.contentLength = contentLength;
  head.chunked = chunked;
  head.close = close;
  head.upgrade = upgradeToken && upgradeField;
  if (head.hosts !== undefined) {
    head.host = host;
    head.hosts = hosts;
    head.requestId = requestId;
    head.expectContinue = expectContinue;
  }
  return true;
}

/** A client's request head at the start of `buf` (whose end `Pending.headEnd` may have found already). */
export function parseRequestHead(buf: Buffer, maxBytes: number, end?: number): Parsed<RequestHead> {
  const found = headText(buf, maxBytes, end);
  if (!found || "refuse" in found) return found;
  const start = REQUEST_LINE.exec(found.start);
  if (!start) return { refuse: 400 };
  const minor = start[3] === "1" ? 1 : 0;
  const head: RequestHead = {
    method: start[1]!, target: start[2]!, minor, raw: [], contentLength: undefined, chunked: false, close: false, upgrade: false,
    host: undefined, hosts: 0, requestId: undefined, expectContinue: false,
  };
  // HTTP/1.1 requires exactly one Host (RFC 9112 §3.2).
  if (!readFields(found.fields, minor, head) || (minor === 1 && head.hosts !== 1)) return { refuse: 400 };
  return { head, length: found.length };
}

/** A dyno's response head at the start of `buf`; a refusal here means the dyno's answer is not HTTP (H17). */
export function parseResponseHead(buf: Buffer, maxBytes: number, end?: number): Parsed<ResponseHead> {
  const found = headText(buf, maxBytes, end);
  if (!found || "refuse" in found) return found;
  const start = STATUS_LINE.exec(found.start);
  if (!start) return { refuse: 400 };
  const minor = start[1] === "1" ? 1 : 0;
  const head: ResponseHead = { status: Number(start[2]), reason: start[3] ?? "", minor, raw: [], contentLength: undefined, chunked: false, close: false, upgrade: false };
  if (!readFields(found.fields, minor, head)) return { refuse: 400 };
  return { head, length: found.length };
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/** The states of a chunked body's reader. */
const Chunk = { Size: 0, Extension: 1, SizeLf: 2, Data: 3, DataCr: 4, DataLf: 5, TrailerStart: 6, Trailer: 7, TrailerLf: 8, EndLf: 9, Done: 10 } as const;

/**
 * Reads a chunked body as it comes (RFC 9112 §7.1): the data of each chunk, where the body
 * ends, and a refusal for anything but plain hex sizes, CRLFs and visible extensions and
 * trailer fields. At most 16 hex digits a size.
 */
export class ChunkedReader {
  private state: number = Chunk.Size;
  private digits = 0;
  private remaining = 0;
  private lineBytes = 0;

  get done(): boolean {
    return this.state === Chunk.Done;
  }

  /**
   * Reads `buf` from `from`: calls `data` with each run of chunk data, and returns the offset
   * just past the body's end (the body is done), buf.length (more to come), or -1 (malformed).
   */
  read(buf: Buffer, from: number, data: (start: number, end: number) => void): number {
    let i = from;
    const n = buf.length;
    while (i < n) {
      const c = buf[i]!;
      switch (this.state) {
        case Chunk.Size: {
          const v = HEX[c]!;
          if (v >= 0) {
            if (++this.digits > 16) return -1;
            this.remaining = this.remaining * 16 + v;
          } else if (this.digits === 0) return -1;
          else if (c === 59 /* ; */) this.state = Chunk.Extension;
          else if (c === 13) this.state = Chunk.SizeLf;
          else return -1;
          i++;
          break;
        }
        case Chunk.Extension:
          if (c === 13) this.state = Chunk.SizeLf;
          else if (c !== 9 && (c < 32 || c === 127)) return -1;
          i++;
          break;
        case Chunk.SizeLf:
          if (c !== 10) return -1;
          this.digits = 0;
          this.state = this.remaining === 0 ? Chunk.TrailerStart : Chunk.Data;
          i++;
          break;
        case Chunk.Data: {
          const take = Math.min(this.remaining, n - i);
          data(i, i + take);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.DataCr:
          if (c !== 13) return -1;
          this.state = Chunk.DataLf;
          i++;
          break;
        case Chunk.DataLf:
          if (c !== 10) return -1;
          this.state = Chunk.Size;
          i++;
          break;
        case Chunk.TrailerStart:
          if (c === 13) this.state = Chunk.EndLf;
          else if (c === 10 || c === 32 || c === 9) return -1;
          else {
            this.state = Chunk.Trailer;
            this.lineBytes = 1;
          }
          i++;
          break;
        case Chunk.Trailer:
          if (c === 13) this.state = Chunk.TrailerLf;
          else if ((c !== 9 && (c < 32 || c === 127)) || ++this.lineBytes > 8192) return -1;
          i++;
          break;
        case Chunk.TrailerLf:
          if (c !== 10) return -1;
          this.state = Chunk.TrailerStart;
          i++;
          break;
        case Chunk.EndLf:
          if (c !== 10) return -1;
          this.state = Chunk.Done;
          return i + 1;
        case Chunk.Done:
          return i;
      }
    }
    return n;
  }
}

/** Just past the CRLFCRLF of a head that came whole in `buf`, or -1. */
export function wholeHeadEnd(buf: Buffer): number {
  const end = buf.indexOf(TERMINATOR);
  return end < 0 ? -1 : end + 4;
}

/**
 * Bytes read and not yet taken (a head arriving in pieces, pipelined requests), in one buffer
 * that grows by doubling rather than being copied whole on every arrival, and scanned for the
 * end of a head only where new: a peer that sends its head a byte at a time costs linear work.
 */
export class Pending {
  /** What is pending, or undefined. */
  bytes: Buffer | undefined;
  private store: Buffer | undefined;
  /** How far `headEnd` has looked without finding the end. */
  private scanned = 0;

  get length(): number {
    return this.bytes?.length ?? 0;
  }

  add(chunk: Buffer): void {
    const bytes = this.bytes;
    if (!bytes?.length) {
      this.bytes = chunk;
      return;
    }
    const length = bytes.length + chunk.length;
    const store = this.store;
    // Appended in place while `bytes` is the start of the store and it has room; else a store twice the size.
    if (!store || bytes.buffer !== store.buffer || bytes.byteOffset !== store.byteOffset || length > store.length) {
      const grown = Buffer.allocUnsafe(Math.max(length * 2, 4096));
      bytes.copy(grown);
      this.store = grown;
    }
    chunk.copy(this.store!, bytes.length);
    this.bytes = this.store!.subarray(0, length);
  }

  /**
   * Just past the CRLFCRLF ending the head at the start, -1 while it has not come, -2 for an LF
   * without its CR (a head of bare LFs never ends: refused at once). A head that has come whole is
   * checked line by line by its parser.
   */
  headEnd(): number {
    const buf = this.bytes;
    if (!buf) return -1;
    const end = buf.indexOf(TERMINATOR, this.scanned > 3 ? this.scanned - 3 : 0);
    if (end >= 0) return end + 4;
    for (let lf = buf.indexOf(10, this.scanned); lf >= 0; lf = buf.indexOf(10, lf + 1)) {
      if (lf === 0 || buf[lf - 1] !== 13) return -2;
    }
    this.scanned = buf.length;
    return -1;
  }

  /** Takes the first `n` bytes off; the rest stays pending. */
  drop(n: number): void {
    this.scanned = 0;
    this.bytes = this.bytes && n < this.bytes.length ? this.bytes.subarray(n) : undefined;
  }

  clear(): void {
    this.bytes = undefined;
    this.store = undefined;
    this.scanned = 0;
  }
}
