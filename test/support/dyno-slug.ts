// A slug for the dyno managers that tests and benchmarks run themselves: a web process that
// answers with its dyno's name, in the one language the stack image has (perl), packed as the
// builder packs slugs and put in a blob store.
import { createReadStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packDirectory } from "../../apps/builder/slug.ts";
import type { BlobStore, StoredBlob } from "../../platform/blobs/index.ts";

export const PERL_SERVER = `use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalPort => $ENV{PORT}, Listen => 5, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { print $c "HTTP/1.0 200 OK\\r\\n\\r\\n$ENV{DYNO} $ENV{GREETING}\\n"; close $c }
`;
/** The web process type of the slug. */
export const PERL_WEB = "exec perl server.pl";

/** Packs the server into `dir`/slug.tgz and stores it in `blobs`. */
export async function perlServerSlug(dir: string, blobs: BlobStore): Promise<StoredBlob> {
  mkdirSync(join(dir, "app"), { recursive: true });
  writeFileSync(join(dir, "app", "server.pl"), PERL_SERVER, { mode: 0o644 });
  const packed = await packDirectory({ dir: join(dir, "app"), out: join(dir, "slug.tgz") });
  const stored = await blobs.put(createReadStream(join(dir, "slug.tgz")));
  if (stored.checksum !== packed.checksum) throw new Error(`the stored slug ${stored.checksum} is not the packed one ${packed.checksum}`);
  return stored;
}
