// What a dyno can do, seen from inside one: real containers started by the platform's engine,
// each app on its own network behind its firewall chain, probing the host's ports and each
// other. The apps live in a throwaway database; the host ports probed are the running
// platform's (its API, router, kernel Redis and add-on datastores).
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packSlugLayers } from "../../apps/builder/layers.ts";
import { joinedDigest } from "../../platform/lib/slug-layers.ts";
import { createBlobStore } from "../../platform/blobs/index.ts";
import { type Db, createApp, ensureUser, insertAddon } from "../../platform/db/index.ts";
import { type Engine, acceptsConnections, createEngine } from "../../platform/dynos/engine.ts";
import { DYNO_HOST, loadConfig } from "../../platform/lib/config.ts";
import { iptables } from "../../platform/dynos/firewall.ts";
import { throwawayDatabase } from "../support/database.ts";
import { openTargets, probeScript, removeNamespace, testAppNetworks } from "../support/dynos.ts";
import { removeDir, uniqueName } from "../support/platform.ts";
import { createDynoFs } from "../../platform/dynos/dyno-fs.ts";

const config = loadConfig();
const namespace = uniqueName("test-confine");
const SERVER = `use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalPort => $ENV{PORT}, Listen => 5, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { print $c "HTTP/1.0 200 OK\\r\\n\\r\\nhello\\n"; close $c }
`;
// Children that sleep, until fork fails: how many processes the dyno could make.
const FORK_BOMB = `perl -e '$n = 0; while (1) { $p = fork(); if (!defined $p) { print "forks: $n\\n"; exit 0 } if (!$p) { sleep 20; exit 0 } $n++ }'`;

let database: { db: Db; drop: () => Promise<void> } | undefined;
let docker: Docker;
let engine: Engine;
let networks: ReturnType<typeof testAppNetworks>;
let dir = "";
let checksum = "";
const layers: string[] = [];
const RUNTIME = "the runtime layer\n";
let ownerId = "";
let index = 0;
const db = () => database!.db;

beforeAll(async () => {
  docker = new Docker();
  await docker.ping().catch((error: Error) => {
    throw new Error(`this suite needs the Docker engine (npm run bootstrap): ${error.message}`);
  });
  database = await throwawayDatabase("ouro_confine_test");
  ownerId = (await ensureUser(db(), `${namespace}@example.com`)).id;
  dir = mkdtempSync(join(tmpdir(), "ouro-confine-"));
  // A slug in layers, as the builder makes one: a runtime layer, then the app's.
  mkdirSync(join(dir, "app", ".heroku", "node"), { recursive: true });
  writeFileSync(join(dir, "app", "server.pl"), SERVER);
  writeFileSync(join(dir, "app", ".heroku", "node", "runtime.txt"), RUNTIME);
  const slug = await packSlugLayers({ buildDir: join(dir, "app"), outDir: join(dir, "slug"), exclude: [] });
  const blobs = createBlobStore(join(dir, "blobs"));
  for (const layer of slug.layers) layers.push((await blobs.put(createReadStream(layer.path))).checksum);
  expect(layers).toHaveLength(2);
  checksum = (await joinedDigest(slug.layers.map((l) => l.path))).checksum;
  engine = createEngine({
    docker,
    stackImage: config.stackImage,
    slugPath: (c) => blobs.path(c),
    slugLayers: async (_app, c) => (c === checksum ? layers : [c]),
    dynoFs: createDynoFs(join(dir, "dyno-fs")),
    namespace,
    appNetworks: (networks = testAppNetworks({ docker, db, namespace })),
  });
});

afterAll(async () => {
  if (docker) await removeNamespace(docker, namespace);
  await database?.drop();
  if (dir) removeDir(dir);
});

async function app(name: string, opts: { system?: boolean; addons?: string[] } = {}) {
  const row = await createApp(db(), { name: opts.system ? name : uniqueName(name), ownerId, system: opts.system });
  for (const service of opts.addons ?? []) {
    await insertAddon(db(), { id: crypto.randomUUID(), app_id: row.id, service, plan: `${service}:standard`, name: uniqueName(service), config_vars: [] });
  }
  return row;
}

function start(target: { id: string; name: string }, command: string, opts: { type?: string; size?: string } = {}) {
  return engine.start({
    app: target.name,
    appId: target.id,
    release: 1,
    type: opts.type ?? "run",
    generation: 0,
    index: ++index,
    command,
    env: {},
    slugChecksum: checksum,
    size: opts.size ?? "standard-1X",
  });
}

/** Runs a command in a one-off dyno of the app; its output once it exited. */
async function run(target: { id: string; name: string }, command: string, opts: { size?: string } = {}) {
  // One stream, so the lines come back in the order they were written.
  const id = await start(target, `{ ${command}; } 2>&1`, opts);
  const container = docker.getContainer(id);
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const output = demux(await container.logs({ stdout: true, stderr: true }));
  return { id, output, exitCode: StatusCode };
}

/** Docker's multiplexed log frames (an 8-byte header each) to text. */
function demux(buffer: Buffer): string {
  let text = "";
  for (let at = 0; at + 8 <= buffer.length; at += 8 + buffer.readUInt32BE(at + 4)) {
    text += buffer.subarray(at + 8, at + 8 + buffer.readUInt32BE(at + 4)).toString("utf8");
  }
  return text;
}

async function reachable(from: { id: string; name: string }, targets: string[]): Promise<Record<string, boolean>> {
  return openTargets(targets, (await run(from, probeScript(targets))).output);
}

describe("a dyno, from inside", () => {
  it("has no capability, no new privileges, a read-only root, writable /app and /tmp, and no Docker socket", async () => {
    const tenant = await app("confined");
    const { output, exitCode } = await run(
      tenant,
      [
        "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status",
        "touch /root-file || echo root-read-only",
        "touch /usr/bin/x || echo usr-read-only",
        "echo a > /app/written && echo b > /tmp/written && cat /app/written /tmp/written",
        "test -e /var/run/docker.sock || echo no-docker-socket",
        "id -u",
      ].join("; "),
    );
    expect(exitCode).toBe(0);
    for (const field of ["CapEff", "CapPrm", "CapBnd"]) expect(output).toMatch(new RegExp(`${field}:\\s+0000000000000000`));
    expect(output).toMatch(/NoNewPrivs:\s+1/);
    expect(output).toContain("touch: cannot touch '/root-file': Read-only file system\nroot-read-only");
    expect(output).toContain("usr-read-only");
    expect(output).toContain("a\nb\n");
    expect(output).toContain("no-docker-socket");
    expect(output.trim().split("\n").at(-1)).toBe("1000");
  });

  it("keeps nothing of /app and /tmp once it is removed: its volumes go with it", async () => {
    const tenant = await app("scratch");
    const { id } = await run(tenant, "echo kept > /app/file; echo kept > /tmp/file");
    const volumes = (await docker.getContainer(id).inspect()).Mounts.map((m) => m.Name);
    expect(volumes).toHaveLength(2);
    await engine.remove(id);
    const left = await docker.listVolumes();
    expect((left.Volumes ?? []).filter((v) => volumes.includes(v.Name))).toEqual([]);
  });

  it("writes over its slug into a layer of its own: the app's other dynos never see it, and it goes with the dyno", async () => {
    const tenant = await app("layered");
    const first = await run(
      tenant,
      "stat -c '%U %a' /app /app/server.pl /app/.heroku/node/runtime.txt; echo mine > /app/server.pl; echo mine > /app/.heroku/node/runtime.txt; mkdir /app/new; cat /app/server.pl /app/.heroku/node/runtime.txt",
    );
    expect(first.exitCode).toBe(0);
    expect(first.output).toBe("dyno 755\ndyno 644\ndyno 644\nmine\nmine\n");
    const second = await run(tenant, "head -c 14 /app/server.pl; echo; cat /app/.heroku/node/runtime.txt; test -e /app/new || echo no-new");
    expect(second.output).toBe(`use IO::Socket\n${RUNTIME}no-new\n`);
    // On the host: each layer of the slug, unpacked once, is as it was; the first dyno's layer goes with it.
    const unpacked = (blob: string) => join(dir, "dyno-fs", "slugs", blob.slice("SHA256:".length));
    expect(readFileSync(join(unpacked(layers[1]!), "server.pl"), "utf8")).toBe(SERVER);
    expect(existsSync(join(unpacked(layers[1]!), ".heroku", "node"))).toBe(false);
    expect(readFileSync(join(unpacked(layers[0]!), ".heroku", "node", "runtime.txt"), "utf8")).toBe(RUNTIME);
    expect(existsSync(join(unpacked(layers[0]!), "server.pl"))).toBe(false);
    const layer = (await docker.getContainer(first.id).inspect()).Config.Labels["ouro.dyno-layer"]!;
    expect(existsSync(join(dir, "dyno-fs", "layers", layer, "upper", "server.pl"))).toBe(true);
    await engine.remove(first.id);
    expect(existsSync(join(dir, "dyno-fs", "layers", layer))).toBe(false);
  });

  it("gets its size's memory, CPU share and process limits", async () => {
    const tenant = await app("sized");
    const small = await run(tenant, "true");
    const large = await run(tenant, "true", { size: "standard-2X" });
    const limits = async (id: string) => {
      const { HostConfig } = await docker.getContainer(id).inspect();
      return { memory: HostConfig.Memory, swap: HostConfig.MemorySwap, shares: HostConfig.CpuShares, pids: HostConfig.PidsLimit };
    };
    expect(await limits(small.id)).toEqual({ memory: 512 * 2 ** 20, swap: 512 * 2 ** 20, shares: 1024, pids: 256 });
    expect(await limits(large.id)).toEqual({ memory: 1024 * 2 ** 20, swap: 1024 * 2 ** 20, shares: 2048, pids: 512 });
  });

  it("stops a fork bomb at its process limit, and other dynos go on", async () => {
    const bomber = await app("bomber");
    const neighbour = await app("neighbour");
    const web = await start(neighbour, "exec perl server.pl", { type: "web" });
    const bomb = await start(bomber, `{ ${FORK_BOMB}; } 2>&1`);
    const bombed = docker.getContainer(bomb);
    const { StatusCode } = (await bombed.wait()) as { StatusCode: number };
    const forks = Number(/forks: (\d+)/.exec(demux(await bombed.logs({ stdout: true, stderr: true }))) ?.[1]);
    expect(StatusCode).toBe(0);
    expect(forks).toBeGreaterThan(100);
    expect(forks).toBeLessThan(256);
    // While the bomb's children still hold their processes, another app's dynos work.
    const other = await run(neighbour, "echo alive; ps -e | wc -l");
    expect(other.output).toContain("alive");
    const ip = Object.values((await docker.getContainer(web).inspect()).NetworkSettings.Networks)[0]!.IPAddress;
    expect(await acceptsConnections(ip, 5000, 2_000)).toBe(true);
  }, 60_000);
});

describe("a dyno's network", () => {
  const host = (port: number) => `${DYNO_HOST}:${port}`;

  it("reaches the API and the router, and neither the kernel's datastores nor another app's dynos", async () => {
    const victim = await app("victim");
    const web = await start(victim, "exec perl server.pl", { type: "web" });
    const ip = Object.values((await docker.getContainer(web).inspect()).NetworkSettings.Networks)[0]!.IPAddress;
    await expect.poll(() => acceptsConnections(ip, 5000), { timeout: 10_000 }).toBe(true);
    const tenant = await app("prober");
    const seen = await reachable(tenant, [
      host(config.apiPort),
      host(config.routerPort),
      host(config.postgresPort),
      host(config.redisPort),
      host(config.addonsPostgresPort),
      host(config.addonsRedisPort),
      host(22),
      `${ip}:5000`,
      `${config.bridgeHost}:${config.redisPort}`,
    ]);
    expect(seen).toEqual({
      [host(config.apiPort)]: true,
      [host(config.routerPort)]: true,
      [host(config.postgresPort)]: false,
      [host(config.redisPort)]: false,
      [host(config.addonsPostgresPort)]: false,
      [host(config.addonsRedisPort)]: false,
      [host(22)]: false,
      [`${ip}:5000`]: false,
      [`${config.bridgeHost}:${config.redisPort}`]: false,
    });
  }, 60_000);

  it("cannot reach another dyno of its own app either", async () => {
    const lonely = await app("lonely");
    const web = await start(lonely, "exec perl server.pl", { type: "web" });
    const ip = Object.values((await docker.getContainer(web).inspect()).NetworkSettings.Networks)[0]!.IPAddress;
    await expect.poll(() => acceptsConnections(ip, 5000), { timeout: 10_000 }).toBe(true);
    expect(await reachable(lonely, [`${ip}:5000`])).toEqual({ [`${ip}:5000`]: false });
  }, 30_000);

  it("reaches an add-on's datastore only when the app has that add-on; the queue apps reach the kernel's Redis", async () => {
    const withDb = await app("with-db", { addons: ["postgres"] });
    const withRedis = await app("with-redis", { addons: ["redis"] });
    const cron = await app("cron", { system: true });
    const targets = [host(config.addonsPostgresPort), host(config.addonsRedisPort), host(config.redisPort)];
    expect(await reachable(withDb, targets)).toEqual({ [targets[0]!]: true, [targets[1]!]: false, [targets[2]!]: false });
    expect(await reachable(withRedis, targets)).toEqual({ [targets[0]!]: false, [targets[1]!]: true, [targets[2]!]: false });
    expect(await reachable(cron, targets)).toEqual({ [targets[0]!]: false, [targets[1]!]: false, [targets[2]!]: true });
  }, 60_000);

  it("refuses link-local addresses (a cloud host's metadata service) from app bridges", async () => {
    await app("metadata").then((row) => run(row, "true"));
    await expect(iptables(["-C", "DOCKER-USER", "-i", "od-+", "-d", "169.254.0.0/16", "-j", "REJECT"])).resolves.toBeDefined();
  });

  it("puts an app's rules back on the next check when the host's firewall lost them", async () => {
    const withDb = await app("flushed", { addons: ["postgres"] });
    const target = [`${DYNO_HOST}:${config.addonsPostgresPort}`];
    expect(await reachable(withDb, target)).toEqual({ [target[0]!]: true });
    const chain = `OURO-A-${withDb.id.replace(/-/g, "").slice(0, 12)}`;
    await iptables(["-F", chain]);
    expect(await reachable(withDb, target)).toEqual({ [target[0]!]: false });
    await networks.verify();
    expect(await reachable(withDb, target)).toEqual({ [target[0]!]: true });
  }, 60_000);
});
