// Unpacks a tar — an app's source (a `git archive` of a push), a build cache, a slug — into a
// directory, refusing entries that could write or point outside it. Every entry is parsed and
// checked here, where it enters; the builder (sources, caches) and the dyno manager (slugs
// mounted read-only) share this one unpacker.
import { chmod, lstat, mkdir, open, readlink, realpath, rm, symlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Gunzip, createGunzip } from "node:zlib";
import tar from "tar-stream";
import type { Extract } from "tar-stream";

type Entry = Extract extends AsyncIterable<infer E> ? E : never;

/**
 * A gunzip for an archive on its way to be unpacked or checked: output in chunks of 256 kB
 * rather than zlib's 16 kB, a third less time for a 150 MB runtime layer (fewer rounds through
 * libuv's threads and the tar parser).
 */
export function archiveGunzip(): Gunzip {
  return createGunzip({ chunkSize: 256 * 1024 });
}

/** A refused entry, or an archive that could not be read; `message` says which and why. */
export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsafeArchiveError";
  }
}

export async function extractArchive(source: Readable, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const unpacking = new Unpacking(await realpath(dir));
  const extract = tar.extract();
  const fed = pipeline(source, extract);
  try {
    for await (const entry of extract) {
      await unpacking.entry(entry);
      entry.resume(); // whatever body is left (directories, refused) must be read to go on
    }
    await fed;
    await unpacking.written();
  } catch (error) {
    extract.destroy();
    source.destroy();
    await fed.catch(() => {});
    await unpacking.written().catch(() => {});
    if (error instanceof Error && error.name === "UnsafeArchiveError") throw error;
    throw new UnsafeArchiveError(`The source archive could not be read: ${(error as Error).message}`);
  }
  await checkLinks(unpacking.root, unpacking.links);
}

// Files up to this size are read from the archive whole and written while the next entries
// are read, up to WRITES_AT_ONCE at a time; an entry that touches a path being written (the
// file itself, or what replaces a directory) waits for those writes first.
const WHOLE_FILE_BYTES = 1024 * 1024;
const WRITES_AT_ONCE = 16;

class Unpacking {
  readonly root: string;
  readonly links: string[] = [];
  /** Directories this unpacking made or checked: they stay directories until an entry of this archive replaces them. */
  private readonly dirs = new Set<string>();
  private readonly writing = new Map<string, Promise<void>>();
  private failed: { error: unknown } | undefined;

  constructor(root: string) {
    this.root = root;
  }

  async entry(entry: Entry): Promise<void> {
    if (this.failed) throw this.failed.error;
    const { header } = entry;
    const parts = entryParts(header.name);
    if (parts.length === 0) return; // "./" itself
    const target = join(this.root, ...parts);
    await this.makeParents(parts);
    switch (header.type) {
      case "directory":
        await this.makeDirectory(target, header.name);
        return;
      case "file":
      case "contiguous-file": {
        await this.replacing(target);
        const mode = fileMode(header.mode);
        if ((header.size ?? 0) > WHOLE_FILE_BYTES) return writeFile(target, entry, mode);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        if (this.writing.size >= WRITES_AT_ONCE) await Promise.race(this.writing.values());
        const write = writeFile(target, chunks, mode).then(
          () => void this.writing.delete(target),
          (error: unknown) => {
            this.writing.delete(target);
            this.failed ??= { error };
          },
        );
        this.writing.set(target, write);
        return;
      }
      case "symlink": {
        const linkname = header.linkname ?? "";
        const pointsTo = resolve(dirname(target), linkname);
        if (linkname === "" || isAbsolute(linkname) || !inside(this.root, pointsTo)) {
          throw refuse(header.name, `is a symlink pointing outside the app ("${linkname}")`);
        }
        await this.replacing(target);
        await removeExisting(target);
        await symlink(linkname, target);
        this.links.push(target);
        return;
      }
      case "link":
        throw refuse(header.name, "is a hard link; commit the file itself instead");
      case "character-device":
      case "block-device":
      case "fifo":
        throw refuse(header.name, `is a ${header.type}; only files, directories and symlinks are allowed`);
      default:
        throw refuse(header.name, `has unsupported type "${header.type}"`);
    }
  }

  /** Every write started has ended; the first that failed fails the unpacking. */
  async written(): Promise<void> {
    await Promise.all(this.writing.values());
    if (this.failed) throw this.failed.error;
  }

  /**
   * Before an entry puts something at `path`: a write still going there ends first, and when
   * `path` is a directory (its files may be being written), every write does.
   */
  private async replacing(path: string): Promise<void> {
    if (this.dirs.delete(path)) {
      for (const dir of this.dirs) if (dir.startsWith(path + sep)) this.dirs.delete(dir);
      await this.written();
    } else {
      await this.writing.get(path);
    }
  }

  // Creates missing parent directories one component at a time, so a symlink planted by an
  // earlier entry can never be followed (git archive never puts a path beneath a symlink).
  private async makeParents(parts: string[]): Promise<void> {
    let dir = this.root;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      await this.makeDirectory(dir, parts.join("/"));
    }
  }

  private async makeDirectory(path: string, entryName: string): Promise<void> {
    if (this.dirs.has(path)) return;
    await this.writing.get(path); // a file being written there, to be replaced
    const stat = await lstat(path).catch(() => null);
    if (stat === null) {
      await mkdir(path);
      await chmod(path, 0o755);
    } else if (stat.isSymbolicLink()) {
      throw refuse(entryName, `goes through the symlink "${relative(this.root, path)}"`);
    } else if (!stat.isDirectory()) {
      await rm(path);
      await mkdir(path);
      await chmod(path, 0o755);
    }
    this.dirs.add(path);
  }
}

// "wx": O_EXCL never follows a symlink planted at the same path. A path the archive names a
// second time is removed first.
async function writeFile(target: string, body: AsyncIterable<unknown> | Buffer[], mode: number): Promise<void> {
  const file = await open(target, "wx", 0o600).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
    await removeExisting(target);
    return open(target, "wx", 0o600);
  });
  try {
    for await (const chunk of body) await file.write(chunk as Buffer);
    await file.chmod(mode);
  } finally {
    await file.close();
  }
}

// Git itself knows only "executable or not"; the tar's other bits come from the archiving
// machine's tar.umask and umask. Normalising keeps slugs the same wherever the source was made.
function fileMode(mode: number | undefined): number {
  return (mode ?? 0) & 0o111 ? 0o755 : 0o644;
}

function entryParts(name: string, refusal: typeof refuse = refuse): string[] {
  if (name.startsWith("/") || /^[A-Za-z]:[\\/]/.test(name)) throw refusal(name, "has an absolute path");
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) throw refusal(name, 'has a ".." path component');
  if (parts.some((part) => part.includes("\0"))) throw refusal(name, "has a NUL byte in its path");
  return parts;
}

async function removeExisting(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => null);
  if (stat !== null) await rm(path, { recursive: stat.isDirectory(), force: true });
}

// A symlink may look inside on paper yet escape through another symlink ("a -> ." then
// "b -> a/.."), so once all are in place each is resolved for real.
async function checkLinks(root: string, links: string[]): Promise<void> {
  for (const link of links) {
    const name = relative(root, link);
    const real = await realpath(link).catch(() => null);
    if (real !== null && !inside(root, real)) {
      await rm(link);
      throw refuse(name, "is a symlink resolving outside the app");
    }
    if (real === null && (await readlink(link)).split("/").includes("..")) {
      await rm(link);
      throw refuse(name, 'is a dangling symlink through ".."');
    }
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

function refuse(name: string, why: string): UnsafeArchiveError {
  return new UnsafeArchiveError(`The source archive entry "${name}" ${why}. Ouro refuses it; remove it from the repository.`);
}

/**
 * Reads a slug (an uncompressed tar stream) through and refuses what no dyno may be given: a
 * path outside /app, an entry that is not a file, directory or symlink, a setuid or setgid bit.
 * A build dyno runs hostile code and uploads its slug itself, so the kernel checks it here.
 */
export async function checkSlug(source: Readable): Promise<void> {
  const extract = tar.extract();
  const fed = pipeline(source, extract);
  const slugRefusal = (name: string, why: string) =>
    new UnsafeArchiveError(`The slug's entry "${name}" ${why}. Ouro refuses the slug; the app's current release keeps serving.`);
  try {
    for await (const entry of extract) {
      const { name, type, mode = 0 } = entry.header;
      entryParts(name, slugRefusal);
      if (type !== "file" && type !== "directory" && type !== "symlink") throw slugRefusal(name, `is a ${type}; a slug holds only files, directories and symlinks`);
      if (mode & 0o6000) throw slugRefusal(name, "has a setuid or setgid bit; dynos never run a program with more rights than the dyno");
      entry.resume();
    }
    await fed;
  } catch (error) {
    extract.destroy();
    source.destroy();
    await fed.catch(() => {});
    if (error instanceof UnsafeArchiveError) throw error;
    throw new UnsafeArchiveError(`The slug could not be read as a gzipped tar: ${(error as Error).message}`);
  }
}
