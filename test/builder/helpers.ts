import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import tar from "tar-stream";
import type { Header } from "tar-stream";
import { afterEach } from "vitest";

export const fixtureBuildpacks = fileURLToPath(new URL("./fixtures/buildpacks", import.meta.url));

// A fresh temp dir per call, removed after the test.
const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
export async function tempDir(label = "ouro-builder-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), label));
  made.push(dir);
  return dir;
}

// A tar stream built in memory from headers and bodies, as `git archive` would send it.
export function tarOf(entries: { header: Partial<Header> & { name: string }; body?: string }[]): Readable {
  const pack = tar.pack();
  for (const { header, body } of entries) {
    if (body !== undefined) pack.entry({ type: "file", mode: 0o644, ...header }, body);
    else pack.entry(header);
  }
  pack.finalize();
  return Readable.from(pack);
}
