// Disk use under many pushes: the same app (hello-express) pushed N times (50 by default), a
// one-line change each, and what the platform keeps on disk for it measured as it goes: the blob
// store (slugs, sources, build caches), the dyno file systems (unpacked slugs, dynos' layers,
// build caches on the host) and the app's git repository. Then, after the retention sweeps have
// run, once more. Disk is bounded when the last figure does not grow with N (each app keeps the
// slugs of its newest OURO_SLUG_RETENTION releases, and its 3 newest unpacked). Needs a running
// platform (npm run bootstrap).
//   npm run bench:disk [-- --pushes 50]
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dataDirFrom } from "../../platform/lib/config.ts";
import { api, checkout, eventually, git, removeDir, uniqueName, viaRouter } from "../support/platform.ts";

const { values } = parseArgs({ options: { pushes: { type: "string", default: "50" } } });
const pushes = Number(values.pushes);
const dataDir = dataDirFrom(process.env);
const PARTS = ["blobs", "dyno-fs", "repos"];

function megabytes(): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const part of PARTS) {
    // A dir the platform deletes while du walks it is a complaint, not a failure: the total stands.
    const out = spawnSync("du", ["-s", "-B1", join(dataDir, part)], { encoding: "utf8" }).stdout;
    const bytes = Number(out.split("\t")[0]);
    if (!Number.isFinite(bytes) || out === "") throw new Error(`du gave no size for ${join(dataDir, part)}`);
    sizes[part] = Math.round(bytes / 1024 / 1024);
  }
  return sizes;
}
/** The blobs written since the run began: what its pushes left in the blob store (others may be going meanwhile). */
function ownBlobs(since: number): { count: number; mb: number } {
  const dir = join(dataDir, "blobs", "sha256");
  const files = readdirSync(dir).map((name) => statSync(join(dir, name), { throwIfNoEntry: false })).filter((s) => s && s.mtimeMs >= since);
  return { count: files.length, mb: Math.round(files.reduce((sum, s) => sum + s!.size, 0) / 1024 / 1024) };
}
const started = Date.now();
const show = (label: string, sizes: Record<string, number>) => {
  const own = ownBlobs(started);
  console.log(
    `${label.padEnd(20)} ${PARTS.map((p) => `${p} ${String(sizes[p]).padStart(5)} MB`).join("   ")}   total ${Object.values(sizes).reduce((a, b) => a + b, 0)} MB` +
      `   (blobs of this run: ${own.count}, ${own.mb} MB)`,
  );
};

const app = uniqueName("bench-disk");
await api("POST", "/apps", { name: app });
const dir = checkout("hello-express", app);
try {
  show("before", megabytes());
  for (let n = 1; n <= pushes; n++) {
    const server = join(dir, "server.js");
    writeFileSync(server, readFileSync(server, "utf8").replace(/Hello from( push \d+)?/, `Hello from push ${n}`));
    git(dir, "commit", "-q", "-am", `push ${n}`);
    const push = git(dir, "push", "-q", "ouro", "main");
    if (push.code !== 0) throw new Error(`push ${n} failed:\n${push.output}`);
    await eventually(`push ${n} serving`, async () => ((await viaRouter(app).catch(() => undefined))?.body.includes(`push ${n} `) ? true : undefined));
    if (n % 10 === 0 || n === pushes) show(`after ${n} pushes`, megabytes());
  }
  // The API sweeps blobs each minute; the dyno manager collects unpacked slugs older than 2 minutes.
  await new Promise((resolve) => setTimeout(resolve, 200_000));
  show("after the sweeps", megabytes());
} finally {
  await api("DELETE", `/apps/${app}`);
  removeDir(dir);
}
