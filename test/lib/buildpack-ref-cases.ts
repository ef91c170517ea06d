// Buildpack references with what the shared parser makes of them: used by the parser's table
// test and by the API test that checks `buildpacks:set` refuses the same set in the same words.
import type { BuildpackRef } from "../../platform/lib/buildpack-ref.ts";

type Kind = BuildpackRef["kind"];
type Reading = { [K in Kind]: Omit<Extract<BuildpackRef, { kind: K }>, "ref"> }[Kind];

/** Accepted references and the whole reading, less the `ref` itself. */
export const ACCEPTED: [string, Reading][] = [
  ["nodejs", { kind: "own", name: "nodejs" }],
  ["my-bp_1.0", { kind: "own", name: "my-bp_1.0" }],
  ["urn:buildpack:nodejs", { kind: "own", name: "nodejs" }],
  ["https://bp.example.com/bp/v1.tgz", { kind: "tarball", url: "https://bp.example.com/bp/v1.tgz" }],
  ["http://127.0.0.1:9/x.tar.gz?token=1", { kind: "tarball", url: "http://127.0.0.1:9/x.tar.gz?token=1" }],
  ["https://bp.example.com/org/bp", { kind: "git", url: "https://bp.example.com/org/bp", commitish: undefined }],
  ["https://bp.example.com/org/bp.git#v2", { kind: "git", url: "https://bp.example.com/org/bp.git", commitish: "v2" }],
  ["https://bp.example.com/bp.tgz.git#main", { kind: "git", url: "https://bp.example.com/bp.tgz.git", commitish: "main" }],
  [
    "https://user:token@bp.example.com/private.git#release/1.x",
    { kind: "git", url: "https://user:token@bp.example.com/private.git", commitish: "release/1.x" },
  ],
  ["git://bp.example.com/bp#0123abcd", { kind: "git", url: "git://bp.example.com/bp", commitish: "0123abcd" }],
  ["ssh://git@bp.example.com:2222/bp.git", { kind: "git", url: "ssh://git@bp.example.com:2222/bp.git" }],
];

const HOW =
  " Use one of Ouro's buildpacks (nodejs, static, procfile; or urn:buildpack:nodejs), an http(s) URL of a .tgz, or a git URL (optionally #branch, tag or commit).";
const NOT_A_BUILDPACK = "is not a buildpack name, a tarball URL or a git URL." + HOW;
const LOCAL = "is not usable: a local path would have the builder read its own files." + HOW;
const NO_HOST = "is not usable: the URL names no host." + HOW;
const SPACE = "is not usable: it holds a space or a control character." + HOW;

/** Refused references and the whole message, after the quoted reference. */
export const REFUSED: [string, string][] = [
  ["", NOT_A_BUILDPACK],
  ["foo.git", NOT_A_BUILDPACK],
  ["urn:buildpack:heroku/nodejs", "is not a buildpack name after urn:buildpack:." + HOW],
  ["urn:buildpack:", "is not a buildpack name after urn:buildpack:." + HOW],
  ["../etc", NOT_A_BUILDPACK],
  ["ftp://bp.example.com/x", NOT_A_BUILDPACK],
  ["git@bp.example.com:org/bp.git", NOT_A_BUILDPACK],
  ["HTTPS://bp.example.com/bp.git", NOT_A_BUILDPACK],
  ["https://bp.example.com/bp.tgz#v1", "is not usable: a tarball URL takes no #ref." + HOW],
  ["file:///srv/bp", LOCAL],
  ["file://localhost/srv/bp.git#main", LOCAL],
  ["/srv/bp.git", LOCAL],
  ["/srv/bp.git#main", LOCAL],
  ["https:///bp.git", NO_HOST],
  ["git:///bp.git", NO_HOST],
  ["ssh://-oProxyCommand=touch%20owned/bp.git", NO_HOST],
  ["https://[::1/bp.git", "is not a valid URL." + HOW],
  ["https://bp.example.com/bp.git#", 'is not usable: "#" is not a branch, tag or commit.' + HOW],
  ["https://bp.example.com/bp.git#--upload-pack=x", 'is not usable: "#--upload-pack=x" is not a branch, tag or commit.' + HOW],
  ["https://bp.example.com/a b.git", SPACE],
  ["nodejs\u0000", SPACE],
  ["https://bp.example.com/bp.git#v1\n", SPACE],
];

export const TOO_LONG = `https://bp.example.com/${"a".repeat(2048)}.git`;
