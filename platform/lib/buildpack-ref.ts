// A buildpack reference as an app's buildpack list, BUILDPACK_URL or a `.buildpacks` line
// gives it. The API checks `buildpacks:set` with this parser and the builder reads references
// with it, so the API refuses exactly what a build would refuse, in the same words.
//
// Only remote references are accepted: a local path or file:// URL would make the builder
// clone from its own filesystem, which no app's owner should be able to point it at.

export type BuildpackRef =
  | { kind: "own"; name: string; ref: string } // one of the builder's buildpacks: "nodejs"
  | { kind: "tarball"; url: string; ref: string } // http(s)://…/x.tgz or .tar.gz, no #ref
  | { kind: "git"; url: string; commitish?: string; ref: string }; // http(s), git or ssh URL, #branch|tag|commit

export class BuildpackRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildpackRefError";
  }
}

export const MAX_BUILDPACK_REF_LENGTH = 2048;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const COMMITISH = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const REMOTE = /^(https?|git|ssh):\/\//;
const TARBALL = /\.(tgz|tar\.gz)$/;
const HOW =
  "Use one of Ouro's buildpacks (nodejs, static, procfile; or urn:buildpack:nodejs), an http(s) URL of a .tgz, or a git URL (optionally #branch, tag or commit).";

/** "nodejs", "urn:buildpack:nodejs", "https://host/bp.tgz", "https://host/bp.git#v2", "git://host/bp", "ssh://git@host/bp.git". */
export function parseBuildpackRef(ref: string): BuildpackRef {
  if (ref.length > MAX_BUILDPACK_REF_LENGTH) throw refused(ref, `longer than ${MAX_BUILDPACK_REF_LENGTH} characters`);
  if (/[\s\p{Cc}]/u.test(ref)) throw refused(ref, "it holds a space or a control character");
  if (NAME.test(ref) && !ref.endsWith(".git")) return { kind: "own", name: ref, ref };
  // Heroku's URN for a named buildpack: how heroku's CLI sends a name without looking it up elsewhere.
  const urn = /^urn:buildpack:(.*)$/.exec(ref);
  if (urn) {
    if (!NAME.test(urn[1]!) || urn[1]!.endsWith(".git")) throw refused(ref, `not a buildpack name after urn:buildpack:`);
    return { kind: "own", name: urn[1]!, ref };
  }
  const hash = ref.indexOf("#");
  const url = hash >= 0 ? ref.slice(0, hash) : ref;
  const commitish = hash >= 0 ? ref.slice(hash + 1) : undefined;
  if (url.startsWith("/") || url.startsWith("file:")) throw refused(ref, "a local path would have the builder read its own files");
  if (!REMOTE.test(url)) throw refused(ref, "not a buildpack name, a tarball URL or a git URL");
  const parsed = urlOf(url);
  if (!parsed) throw refused(ref, "not a valid URL");
  // The host as written (WHATWG would read "https:///x" as host "x"); "-…" would be an option to ssh.
  const authority = /^[a-z]+:\/\/([^/?#]*)/.exec(url)?.[1] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
  if (host === "" || host.startsWith("-")) throw refused(ref, "the URL names no host");
  if (parsed.protocol.startsWith("http") && TARBALL.test(parsed.pathname)) {
    if (commitish !== undefined) throw refused(ref, "a tarball URL takes no #ref");
    return { kind: "tarball", url, ref };
  }
  if (commitish !== undefined && !COMMITISH.test(commitish)) throw refused(ref, `"#${commitish}" is not a branch, tag or commit`);
  return { kind: "git", url, commitish, ref };
}

export function isBuildpackRefError(error: unknown): error is BuildpackRefError {
  return error instanceof Error && error.name === "BuildpackRefError";
}

function urlOf(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function refused(ref: string, why: string): BuildpackRefError {
  const shown = JSON.stringify(ref.length > 100 ? `${ref.slice(0, 100)}…` : ref);
  return new BuildpackRefError(`${shown} is ${why.startsWith("not ") ? why : `not usable: ${why}`}. ${HOW}`);
}
