// The pre-receive hook (pre-receive.ts) as one plain JavaScript file, which git's node starts in
// about 0.05 s: loading tsx first took half a second of every push. esbuild makes it from the
// sources once per process, under a name of its content, so every API process runs its own
// code's hook whatever other checkout shares the data dir.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const SOURCE = fileURLToPath(new URL("./pre-receive.ts", import.meta.url));
const made = new Map<string, string>();

/** The hook's path under `dir` (the data dir's `hooks`), written there when it is not yet. */
export function hookScript(dir: string): string {
  const known = made.get(dir);
  if (known) return known;
  const [output] = buildSync({ entryPoints: [SOURCE], bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", write: false, logLevel: "silent" }).outputFiles;
  const code = output!.text;
  const path = join(dir, `pre-receive-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, path);
  }
  made.set(dir, path);
  return path;
}
