// Lines out of a byte stream, each at most `maxBytes`: a dyno that prints a gigabyte without a
// newline costs the reader `maxBytes` of memory, not a gigabyte. The rest of an overlong line
// is dropped up to its newline.
import { StringDecoder } from "node:string_decoder";

/** As on Heroku: a longer line is cut (one app's flood stays bounded: lines × bytes). */
export const MAX_LINE_BYTES = 10_000;

/** The line cut to `maxBytes` of UTF-8, never inside a character. */
export function cutLine(line: string, maxBytes = MAX_LINE_BYTES): string {
  if (line.length <= maxBytes / 4 || Buffer.byteLength(line) <= maxBytes) return line;
  const bytes = Buffer.from(line).subarray(0, maxBytes);
  let end = bytes.length;
  // Back off continuation bytes (10xxxxxx), then the lead byte of the character they belong to.
  while (end > 0 && (bytes[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) {
    const lead = bytes[end - 1]!;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (bytes.length - (end - 1) < length) end--;
    else end = bytes.length;
  }
  return bytes.subarray(0, end).toString("utf8");
}

export async function* boundedLines(input: AsyncIterable<Buffer | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let dropping = false;
  for await (const chunk of input) {
    pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      if (!dropping) yield cutLine(line, maxBytes);
      dropping = false;
    }
    if (!dropping && Buffer.byteLength(pending) > maxBytes) {
      yield cutLine(pending, maxBytes);
      dropping = true;
    }
    if (dropping) pending = "";
  }
  pending += decoder.end();
  if (pending && !dropping) yield cutLine(pending, maxBytes);
}
