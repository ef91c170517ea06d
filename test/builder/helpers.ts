import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import tar from "tar-stream";
import type { Header } from "tar-stream";
import { afterEach, expect } from "vitest";
import { compile } from "../../apps/builder/index.ts";
import type { CompileOptions } from "../../apps/builder/index.ts";

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

// An app source dir (files by relative path) with compile options around it.
export async function app(files: Record<string, string>): Promise<Omit<CompileOptions, "output"> & { log: string[] }> {
  const root = await tempDir();
  const sourceDir = join(root, "source");
  await mkdir(sourceDir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(sourceDir, name, ".."), { recursive: true });
    await writeFile(join(sourceDir, name), text);
  }
  return {
    sourceDir,
    cacheDir: join(root, "cache"),
    envDir: join(root, "env"),
    workDir: join(root, "work"),
    buildpacksDir: fixtureBuildpacks,
    buildEnv: { NPM_CONFIG_REGISTRY: "http://127.0.0.1:4873/" },
    log: [],
  };
}

export function run(options: Awaited<ReturnType<typeof app>>, extra: Partial<CompileOptions> = {}) {
  return compile({ ...options, ...extra, output: (text) => options.log.push(text) });
}

export async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (e: unknown) => e as Error);
  if (error === null) throw new Error("expected the build to fail");
  expect(error.name).toBe("BuildError");
  return error;
}
