// Tars made entry by entry with tar-stream, for tests of what the platform accepts or refuses.
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

export type TarEntry = Partial<tar.Header> & { name: string; body?: string | Buffer };

export async function tarOf(entries: TarEntry[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...header } of entries) pack.entry({ uid: 1000, gid: 1000, ...header }, body ?? "");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const plain = Buffer.concat(chunks);
  return opts.gzip ? gzipSync(plain) : plain;
}
