// The current directory's git repository: which app its `ouro` remote points at, and setting
// that remote. Every call runs the real `git` in `cwd`.
import { execFile } from "node:child_process";
import { CliError } from "./errors.ts";

export const DEFAULT_REMOTE = "ouro";

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") {
        // spawn failures (no git, no such cwd) are not an exit code
        if (err.code === "ENOENT") return resolve({ code: 127, stdout: "", stderr: String(err.message) });
        return reject(new CliError(`git ${args[0]} could not run in ${cwd}: ${err.message}`));
      }
      resolve({ code: err ? Number(err.code) : 0, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** `http://ouro:key@127.0.0.1:5000/hello.git` → `hello`; undefined for other URLs. */
export function appFromGitUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  return /^\/([^/]+)\.git\/?$/.exec(path)?.[1];
}

export async function remoteUrl(cwd: string, remote: string): Promise<string | undefined> {
  const result = await git(cwd, ["remote", "get-url", remote]);
  return result.code === 0 && result.stdout ? result.stdout : undefined;
}

/** The app the git remote points at; undefined when there is no such remote or it is not an app's. */
export async function appFromRemote(cwd: string, remote: string): Promise<string | undefined> {
  const url = await remoteUrl(cwd, remote);
  return url === undefined ? undefined : appFromGitUrl(url);
}

export interface AppSelector {
  app?: string;
  remote?: string;
  cwd: string;
}

/** The app a command acts on: `-a APP`, else the one the git remote (default `ouro`) points at. */
export async function resolveApp({ app, remote = DEFAULT_REMOTE, cwd }: AppSelector): Promise<string> {
  if (app) return app;
  const inferred = await appFromRemote(cwd, remote);
  if (inferred) return inferred;
  throw new CliError(
    remote === DEFAULT_REMOTE
      ? "No app specified. Use -a APP, or run inside a checkout with an 'ouro' git remote."
      : `No app specified. Use -a APP; the git remote '${remote}' does not point at an Ouro app.`,
  );
}

/** HEAD of the repository in `cwd`, written to `file` as a gzipped tarball (what a push of it builds); its commit. */
export async function archiveHead(cwd: string, file: string): Promise<string> {
  const archive = await git(cwd, ["archive", "--format=tar.gz", "-o", file, "HEAD"]);
  if (archive.code !== 0) throw new CliError(`git could not archive HEAD of ${cwd}: ${archive.stderr || "is it a repository with a commit?"}`);
  return (await git(cwd, ["rev-parse", "HEAD"])).stdout;
}

export async function isGitRepo(cwd: string): Promise<boolean> {
  return (await git(cwd, ["rev-parse", "--git-dir"])).code === 0;
}

/** Adds the remote, or points it at `url` when it already exists. */
export async function setRemote({ cwd, remote, url }: { cwd: string; remote: string; url: string }) {
  const exists = (await remoteUrl(cwd, remote)) !== undefined;
  const result = await git(cwd, exists ? ["remote", "set-url", remote, url] : ["remote", "add", remote, url]);
  if (result.code !== 0) throw new CliError(`git could not set remote ${remote}: ${result.stderr}`);
  return exists ? "updated" : "added";
}

export async function removeRemote({ cwd, remote }: { cwd: string; remote: string }): Promise<void> {
  const result = await git(cwd, ["remote", "remove", remote]);
  if (result.code !== 0) throw new CliError(`git could not remove remote ${remote}: ${result.stderr}`);
}

/** The git URL with the API key as its password, so `git push ouro` needs no prompt. */
export function withCredentials(gitUrl: string, key: string): string {
  const url = new URL(gitUrl);
  url.username = "ouro";
  url.password = key;
  return url.href;
}
