// One bare repository per app under the data dir, with a pre-receive hook that
// hands the pushed commit to the build service and shows the build to the pusher.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

const HOOK = `#!/bin/sh
# Installed by Ouro: builds the pushed commit (see platform/git/pre-receive.ts, hook-script.ts).
exec "$OURO_NODE" "$OURO_HOOK_SCRIPT"
`;

export function repoPath(dataDir: string, app: string): string {
  return join(dataDir, "repos", `${app}.git`);
}

export function ensureRepo(dataDir: string, app: string): string {
  const path = repoPath(dataDir, app);
  if (!existsSync(join(path, "HEAD"))) {
    mkdirSync(path, { recursive: true });
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", path]);
  }
  const hook = join(path, "hooks", "pre-receive");
  writeFileSync(hook, HOOK);
  chmodSync(hook, 0o755);
  return path;
}

/** The bytes the app's repository takes on disk (its files', not counting directories); 0 before a first push. */
export async function repoSize(dataDir: string, app: string): Promise<number> {
  const entries = await readdir(repoPath(dataDir, app), { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
