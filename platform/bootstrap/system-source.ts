// A system app's source as an app repository, assembled from this checkout:
// apps/<name> and the shared platform/lib keep their repo paths (so relative
// imports hold; the builder also carries buildpacks/), and the app's package.json,
// lockfile and Procfile sit at the root. Fixed identity and date make the same
// tree always give the same commit, which is what stage 0 and stage 1 compare.
import { cpSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run, succeeds } from "./shell.ts";

import { SYSTEM_APPS } from "../lib/system-apps.ts";

export { SYSTEM_APPS };
export const SYSTEM_EMAIL = "system@ouro.local";

const COMMIT_ENV = {
  GIT_AUTHOR_NAME: "Ouro",
  GIT_AUTHOR_EMAIL: SYSTEM_EMAIL,
  GIT_COMMITTER_NAME: "Ouro",
  GIT_COMMITTER_EMAIL: SYSTEM_EMAIL,
  GIT_AUTHOR_DATE: "2000-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2000-01-01T00:00:00Z",
};

/** System apps present in this checkout (an app folder with a Procfile). */
export function presentSystemApps(repoRoot: string): string[] {
  return SYSTEM_APPS.filter((name) => existsSync(join(repoRoot, "apps", name, "Procfile")));
}

/** The files git tracks under `paths` (working-tree content), or every file outside a checkout. */
function filesUnder(repoRoot: string, paths: string[]): string[] | undefined {
  if (!succeeds("git", ["-C", repoRoot, "rev-parse", "--git-dir"])) return undefined;
  return run("git", ["-C", repoRoot, "ls-files", "-z", "--", ...paths], { quiet: true })
    .split("\0")
    .filter((file) => file && existsSync(join(repoRoot, file)));
}

export function assembleAppSource(repoRoot: string, name: string): { dir: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), `ouro-${name}-src-`));
  const paths = [`apps/${name}`, "platform/lib", ...(name === "builder" ? ["buildpacks"] : [])];
  const files = filesUnder(repoRoot, paths);
  if (files) {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(dir, file));
    }
  } else {
    for (const path of paths) {
      cpSync(join(repoRoot, path), join(dir, path), { recursive: true, filter: (p) => !p.includes("node_modules") });
    }
  }
  for (const file of ["package.json", "package-lock.json", "Procfile", "app.json"]) {
    if (existsSync(join(repoRoot, "apps", name, file))) cpSync(join(repoRoot, "apps", name, file), join(dir, file));
  }
  const git = (...args: string[]) => run("git", ["-C", dir, ...args], { env: { ...process.env, ...COMMIT_ENV }, quiet: true });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", `Ouro system app: ${name}`);
  return { dir, commit: git("rev-parse", "HEAD").trim() };
}
