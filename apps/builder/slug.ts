// Packs a directory into a gzip tar that is byte-identical for identical input: entries sorted
// by path, fixed mtime and owner, fixed gzip level (or none, for a member not worth compressing), and the gzip made of members of a fixed size
// of tar each (compressed two at a time on libuv's threads; any gunzip reads the members as one
// stream), the tar's end blocks a member of their own (so packed layers join: slug-layers.ts).
// Bootstrap's fixed point (stage 0 slug == stage 1 slug) depends on this.
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { promisify } from "node:util";
import { constants, deflateRaw, gzip } from "node:zlib";
import tar from "tar-stream";
import type { Pack } from "tar-stream";
import { digestMeter } from "../../platform/lib/digest-meter.ts";
import { TAR_END_BYTES } from "../../platform/lib/slug-layers.ts";

const MTIME = new Date(0);
const OWNER = { uid: 1000, gid: 1000, uname: "dyno", gname: "dyno" };

export interface PackedSlug {
  checksum: string; // "SHA256:<hex>" of the .tar.gz
  size: number; // bytes of the .tar.gz
}

interface Entry {
  name: string; // "./", "./app.js", "./lib/"
  path: string;
  kind: "file" | "directory" | "symlink";
  mode: number;
  size: number;
}

// Files up to this size are read whole, a few ahead of the one being packed, so the reads
// overlap the packing; larger ones (a Node.js binary) are streamed in large chunks. How the
// bytes are read changes nothing in the tar, nor (deflate takes no account of how its input
// is split) in the gzip.
const WHOLE_FILE_BYTES = 1024 * 1024;
const READ_AHEAD = 16;
const CHUNK_BYTES = 1024 * 1024;

export interface PackOptions {
  dir: string;
  out: string;
  /** Entry names ("./.git") left out, with all below them. */
  exclude?: string[];
  /** Only this entry ("./.heroku/node"), all below it, and the dirs above it. */
  only?: string;
}

export async function packDirectory(options: PackOptions): Promise<PackedSlug> {
  return packEntries(await listEntries(options.dir, new Set(options.exclude ?? []), options.only), options.out);
}

async function packEntries(entries: Entry[], out: string): Promise<PackedSlug> {
  const pack = tar.pack();
  const meter = digestMeter();
  const written = pipeline(pack, parallelGzip(), meter.stream, createWriteStream(out));
  const reads = new Map<number, Promise<Buffer>>();
  const readAhead = (from: number) => {
    for (let i = from; i < Math.min(entries.length, from + READ_AHEAD); i++) {
      const entry = entries[i]!;
      if (entry.kind === "file" && entry.size <= WHOLE_FILE_BYTES && !reads.has(i)) {
        const read = readFile(entry.path);
        read.catch(() => {}); // awaited in turn below; an error then fails the pack
        reads.set(i, read);
      }
    }
  };
  try {
    for (const [index, entry] of entries.entries()) {
      readAhead(index);
      const body = reads.get(index);
      reads.delete(index);
      await addEntry(pack, entry, body && (await body));
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => {});
    throw error;
  }
  await written;
  return meter.result();
}

async function addEntry(pack: Pack, entry: Entry, body?: Buffer): Promise<void> {
  const header = { name: entry.name, mode: entry.mode, mtime: MTIME, ...OWNER };
  if (entry.kind === "directory") {
    await entryDone((cb) => pack.entry({ ...header, type: "directory" }, cb));
  } else if (entry.kind === "symlink") {
    const linkname = await readlink(entry.path);
    await entryDone((cb) => pack.entry({ ...header, type: "symlink", linkname }, cb));
  } else if (body) {
    await entryDone((cb) => pack.entry({ ...header, type: "file", size: body.length }, body, cb));
  } else {
    await entryDone((cb) => {
      const sink = pack.entry({ ...header, type: "file", size: entry.size }, cb);
      pipeline(createReadStream(entry.path, { highWaterMark: CHUNK_BYTES }), sink).catch(cb);
    });
  }
}

// Level 1: a 190 MB build packs in about 2.5 s instead of 20 s at level 9, for ~15% more bytes.
// Members of 8 MB of tar: two compress at once (1.3x faster on two cores), and a new member's
// empty dictionary costs well under 0.1% in size.
const GZIP_LEVEL = 1;
const MEMBER_BYTES = 8 * 1024 * 1024;
const MEMBERS_AT_ONCE = 2;
// A member whose samples deflate to more than this share of their size is stored (level 0):
// compressing what is compressed already (a tarball in a build cache) gains nothing and costs
// about 25 ms a MB. Three samples: the member's start, middle and end.
const SAMPLE_BYTES = 32 * 1024;
const STORED_ABOVE = 0.9;
const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflateRaw);

/**
 * The gzip level for a member: 0 (stored) when its samples deflate to more than STORED_ABOVE of
 * their size, else GZIP_LEVEL. The same bytes give the same level.
 */
export async function memberLevel(input: Buffer): Promise<number> {
  if (input.length < 4 * SAMPLE_BYTES) return GZIP_LEVEL;
  const middle = Math.floor((input.length - SAMPLE_BYTES) / 2);
  const samples = [0, middle, input.length - SAMPLE_BYTES].map((start) => input.subarray(start, start + SAMPLE_BYTES));
  const deflated = await Promise.all(samples.map((sample) => deflateAsync(sample, { level: GZIP_LEVEL })));
  const ratio = deflated.reduce((sum, d) => sum + d.length, 0) / (samples.length * SAMPLE_BYTES);
  return ratio > STORED_ABOVE ? 0 : GZIP_LEVEL;
}

/**
 * One member at its level. Its output is one buffer, not chunks joined afterwards (into fresh
 * memory): zlib's chunk is as large as the member can be, and the input is finished in the call
 * that takes it (the bytes are those of a plain gzip).
 */
async function compressMember(input: Buffer): Promise<Buffer> {
  const level = await memberLevel(input);
  return gzipAsync(input, { level, chunkSize: input.length + 64 * 1024, flush: constants.Z_FINISH });
}

/**
 * Buffers for members' input, each MEMBER_BYTES + TAR_END_BYTES, taken and given back: a buffer
 * allocated afresh costs its first touch of every page (here about 30 ms for 8 MB, as much as
 * compressing it), a reused one does not. At most a few are kept between packs.
 */
const memberBuffers: Buffer[] = [];
const KEPT_MEMBER_BUFFERS = MEMBERS_AT_ONCE + 1;
const takeMemberBuffer = () => memberBuffers.pop() ?? Buffer.allocUnsafeSlow(MEMBER_BYTES + TAR_END_BYTES);
const giveMemberBuffer = (buffer: Buffer) => void (memberBuffers.length < KEPT_MEMBER_BUFFERS && memberBuffers.push(buffer));

/**
 * A gzip of independent members, one per MEMBER_BYTES of input, written in order, and the last
 * TAR_END_BYTES of input (the tar's end) always a member of its own: a member is started only
 * when more than that is left after it.
 */
function parallelGzip(): Transform {
  let filling = takeMemberBuffer();
  let size = 0;
  const compressing: Promise<Buffer>[] = [];
  /** Compresses the first `bytes` filled as a member; the rest moves to the next buffer. */
  const startMember = (bytes: number) => {
    if (bytes === 0) return;
    const input = filling;
    const member = compressMember(input.subarray(0, bytes)).finally(() => giveMemberBuffer(input));
    member.catch(() => {}); // awaited in turn below; an error then fails the pack
    compressing.push(member);
    filling = takeMemberBuffer();
    input.copy(filling, 0, bytes, size);
    size -= bytes;
  };
  return new Transform({
    async transform(chunk: Buffer, _encoding, done) {
      try {
        for (let offset = 0; offset < chunk.length; ) {
          const take = Math.min(MEMBER_BYTES + TAR_END_BYTES - size, chunk.length - offset);
          chunk.copy(filling, size, offset, offset + take);
          size += take;
          offset += take;
          if (size === MEMBER_BYTES + TAR_END_BYTES) startMember(MEMBER_BYTES);
          while (compressing.length >= MEMBERS_AT_ONCE) this.push(await compressing.shift()!);
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    async flush(done) {
      try {
        startMember(Math.max(0, size - TAR_END_BYTES));
        startMember(size);
        giveMemberBuffer(filling);
        while (compressing.length > 0) this.push(await compressing.shift()!);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

function entryDone(start: (cb: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => start((error) => (error ? reject(error) : resolve())));
}

async function listEntries(root: string, exclude: Set<string>, only?: string): Promise<Entry[]> {
  // The root's mode depends on how the build dir was made (mkdtemp, cp), not on the app.
  const entries: Entry[] = [{ name: "./", path: root, kind: "directory", mode: 0o755, size: 0 }];
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const child of await readdir(dir)) {
      const name = prefix + child;
      if (exclude.has(name)) continue;
      if (only !== undefined && !(name === only || name.startsWith(`${only}/`) || only.startsWith(`${name}/`))) continue;
      const path = join(dir, child);
      const stat = await lstat(path);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries.push({ name: `${name}/`, path, kind: "directory", mode, size: 0 });
        await walk(path, `${name}/`);
      } else if (stat.isSymbolicLink()) {
        entries.push({ name, path, kind: "symlink", mode, size: 0 });
      } else if (stat.isFile()) {
        entries.push({ name, path, kind: "file", mode, size: stat.size });
      }
      // Sockets and FIFOs left behind by a buildpack have no meaning in a slug.
    }
  }
  await walk(root, "./");
  // Byte order, not locale order: the same on every machine.
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}
