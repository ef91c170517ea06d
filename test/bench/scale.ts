// Scale-out: `ps:scale web=0 → 10` until all ten dynos accept connections (the API's dynos all
// `up`, which the dyno manager says once each accepts a TCP connection on $PORT), against ten bare
// containers of the stack image started at once with the same app tree mounted read-only (the
// slug, fetched from its blob URL as a Heroku client would and extracted), until all ten accept
// connections. Rounds alternate between the two; prints each round, the medians and their ratio
// (the target is at most 1.5). Needs a running platform (npm run bootstrap).
//   npm run bench:scale [-- --rounds 3 --dynos 10]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Docker from "dockerode";
import { acceptsConnections } from "../../platform/dynos/engine.ts";
import { loadConfig } from "../../platform/lib/config.ts";
import { api, checkout, eventually, git, removeDir, uniqueName, viaRouter } from "../support/platform.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, dynos: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);
const count = Number(values.dynos);
const docker = new Docker();
const config = loadConfig();

interface Dyno { type: string; state: string }
const webDynos = async (app: string) => (await api<Dyno[]>("GET", `/apps/${app}/dynos`)).body.filter((d) => d.type === "web");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function scale(app: string, quantity: number) {
  await api("PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity }] });
}

/** The platform: from no web dyno to `count` of them up. */
async function platformRound(app: string): Promise<number> {
  await scale(app, 0);
  await eventually("no web dyno left", async () => ((await webDynos(app)).length === 0 ? true : undefined), 120_000);
  const started = performance.now();
  await scale(app, count);
  for (;;) {
    const up = (await webDynos(app)).filter((d) => d.state === "up").length;
    if (up === count) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The baseline: `count` bare containers of the same tree, started at once, until each accepts connections. */
async function bareRound(tree: string, command: string): Promise<number> {
  const started = performance.now();
  const containers = await Promise.all(
    Array.from({ length: count }, async () => {
      const container = await docker.createContainer({
        Image: config.stackImage,
        Cmd: ["bash", "-c", 'for f in /app/.profile.d/*.sh; do . "$f"; done; exec bash -c "$0"', command],
        User: "1000:1000",
        WorkingDir: "/app",
        Env: ["PORT=5000"],
        Labels: { "ouro.bench": "scale" },
        HostConfig: { Binds: [`${tree}:/app:ro`] },
      });
      await container.start();
      return container;
    }),
  );
  try {
    await Promise.all(
      containers.map(async (container) => {
        const ip = Object.values((await container.inspect()).NetworkSettings.Networks)[0]!.IPAddress;
        while (!(await acceptsConnections(ip, 5000, 200))) await new Promise((resolve) => setTimeout(resolve, 20));
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await Promise.all(containers.map((c) => c.remove({ force: true })));
  }
}

const app = uniqueName("bench-scale");
const work = mkdtempSync(join(tmpdir(), "ouro-bench-scale-"));
await api("POST", "/apps", { name: app });
const dir = checkout("hello-express", app);
try {
  const push = git(dir, "push", "-q", "ouro", "main");
  if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
  await eventually("the app serving", async () => ((await viaRouter(app).catch(() => undefined))?.status === 200 ? true : undefined));
  const release = (await api<{ slug: { id: string } | null }[]>("GET", `/apps/${app}/releases`)).body.at(-1)!;
  const slug = (await api<{ blob: { url: string }; process_types: Record<string, string> }>("GET", `/apps/${app}/slugs/${release.slug!.id}`)).body;
  const tarball = Buffer.from(await (await fetch(slug.blob.url)).arrayBuffer());
  const tree = join(work, "app");
  mkdirSync(tree);
  execFileSync("tar", ["-xz", "-C", tree], { input: tarball });
  const command = slug.process_types.web!;

  const platform: number[] = [];
  const bare: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    bare.push(await bareRound(tree, command));
    platform.push(await platformRound(app));
    console.log(`round ${round}: ${count} bare containers ${bare.at(-1)!.toFixed(2)} s, ps:scale web=0 → ${count} ${platform.at(-1)!.toFixed(2)} s`);
  }
  console.log(`median: bare ${median(bare).toFixed(2)} s, platform ${median(platform).toFixed(2)} s`);
  console.log(`platform / bare: ${(median(platform) / median(bare)).toFixed(2)} (target <= 1.5)`);
} finally {
  await api("DELETE", `/apps/${app}`);
  removeDir(dir);
  removeDir(work);
}
