// A pass-through stream that hashes (sha256) and counts the bytes written to
// disk, so a blob or a slug gets its checksum in the same pass that stores it.
import { createHash } from "node:crypto";
import { Transform } from "node:stream";

export interface DigestMeter {
  stream: Transform;
  /** "SHA256:<hex>" and the byte count, once the stream has ended. */
  result(): { checksum: string; size: number };
}

export function digestMeter(): DigestMeter {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ checksum: `SHA256:${hash.digest("hex")}`, size }) };
}
