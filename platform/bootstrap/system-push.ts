// Deploys a system app the way a user deploys theirs: `git push` of its source
// to the platform, built by the builder app. Used by bootstrap (stage 1 and the
// other system apps) and by `ouro system:upgrade`.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { rmSync } from "node:fs";
import { assembleAppSource } from "./system-source.ts";

export interface SystemPushOptions {
  repoRoot: string;
  name: string;
  apiUrl: string;
  apiKey: string;
  /** Push even when the current release was built from this very source. */
  force?: boolean;
  output?: (text: string) => void;
}

export interface SystemPushResult {
  name: string;
  commit: string;
  pushed: boolean;
  version?: number;
  checksum?: string;
}

async function apiGet<T>(opts: SystemPushOptions, path: string): Promise<T> {
  const res = await fetch(`${opts.apiUrl}${path}`, { headers: { Authorization: `Bearer ${opts.apiKey}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The current release's version and slug (checksum, commit), if any. */
export async function currentSlug(opts: SystemPushOptions) {
  const releases = await apiGet<{ version: number; current: boolean; slug: { id: string } | null }[]>(opts, `/apps/${opts.name}/releases`);
  const current = releases.find((r) => r.current);
  if (!current?.slug) return undefined;
  const slug = await apiGet<{ checksum: string; commit: string | null }>(opts, `/apps/${opts.name}/slugs/${current.slug.id}`);
  return { version: current.version, checksum: slug.checksum, commit: slug.commit };
}

export async function pushSystemApp(opts: SystemPushOptions): Promise<SystemPushResult> {
  const { dir, commit } = assembleAppSource(opts.repoRoot, opts.name);
  try {
    const before = await currentSlug(opts);
    if (!opts.force && before?.commit === commit) {
      return { name: opts.name, commit, pushed: false, version: before.version, checksum: before.checksum };
    }
    const url = new URL(`/${opts.name}.git`, opts.apiUrl);
    url.username = "ouro";
    url.password = opts.apiKey;
    // Asynchronous on purpose: the build streams as it runs, and the event loop stays free.
    const push = spawn("git", ["-C", dir, "push", "--force", url.toString(), "HEAD:refs/heads/main"], { stdio: ["ignore", "ignore", "pipe"] });
    createInterface({ input: push.stderr }).on("line", (line) => opts.output?.(`${line.replace(/^remote: /, `${opts.name}: `)}\n`));
    const code = await new Promise<number | null>((resolve) => push.on("close", resolve));
    if (code !== 0) throw new Error(`git push of the system app ${opts.name} was rejected (output above)`);
    const after = await currentSlug(opts);
    return { name: opts.name, commit, pushed: true, version: after?.version, checksum: after?.checksum };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
