// The router's data path against a direct connection and against nginx, in one run (about 5
// minutes; needs a running platform for its Redis): the same bare node:http dyno driven three
// ways by wrk, each with a warm-up, then
//   - saturation: `--connections` keep-alive connections as fast as answers come: requests/s,
//     p50/p99, and the proxy's CPU per request (its processes' user + system time / requests);
//   - moderate load: the same connections each waiting `--delay-ms` on average (0 to twice that,
//     at random) between requests: p50/p99.
// `--rounds` rounds in turn (direct, router, nginx); the median round of each is kept. The
// router is platform/router's own proxy, route table and log writer (test/bench/router/serve.ts);
// nginx is Debian's, with the same work per request and the same process count. wrk and nginx
// are installed from Debian's packages when missing. Exits non-zero when something could not
// be measured.
//   npm run bench:router [-- --connections 32 --seconds 10 --rounds 3 --delay-ms 10 --processes 1]
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { deleteLogs } from "../../platform/logs/index.ts";
import { formatRouteEntries } from "../../platform/router/route-entries.ts";
import { routeKeys } from "../../platform/router/table.ts";
import { createReport, passIf } from "./dynos/report.ts";
import { treeCpuUs } from "./router/cpu.ts";
import { startNginx } from "./router/nginx.ts";
import { type WrkResult, wrk } from "./router/wrk.ts";
import { teardown } from "./teardown.ts";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    "delay-ms": { type: "string", default: "10" },
    processes: { type: "string", default: "1" },
  },
});
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
const delayMs = Number(args["delay-ms"]);
const processes = Number(args.processes);

const progress = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** wrk and nginx, from Debian's packages when this machine lacks them. */
function ensureTools() {
  const missing = [["wrk", "wrk"], ["nginx", "nginx-light"]].filter(([command]) => {
    try {
      execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg!);
  progress(`installing ${packages.join(", ")} from Debian's packages`);
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `url` answers 200 for `host`. */
async function answering(what: string, port: number, host: string, child?: ChildProcess) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    // Not fetch(): it sends its own Host whatever it is given.
    const ok = await new Promise<boolean>((resolve) => {
      http.get({ host: "127.0.0.1", port, path: "/", headers: { host }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer on :${port} within 30 s`);
}

const BARE_DYNO = `
const body = Buffer.from("Hello, world\\n");
require("node:http").createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
  res.end(body);
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

interface Measured {
  saturated: WrkResult;
  moderate: WrkResult;
  /** The proxy's CPU µs per request at saturation (none for direct). */
  cpuUsPerRequest?: number;
  dynoCpuUsPerRequest: number;
}

const undo = teardown({ log: progress });
const report = createReport({
  cpu: { measure: "router CPU per request vs nginx", target: "≤ 2.00×" },
  rps: { measure: "router requests/s vs nginx", target: "≥ 0.75×" },
  p99: { measure: `router p99 added over direct (${delayMs} ms between requests on average)`, target: "≤ 1.00 ms" },
});

try {
  ensureTools();
  const config = loadConfig();
  const redis = new Redis(redisUrl(config), { lazyConnect: true });
  await redis.connect().catch((error: Error) => {
    throw new Error(`the platform's Redis is not reachable (${error.message}); run npm run bootstrap first`);
  });
  undo.add("the Redis connection", () => redis.quit());
  const suffix = randomBytes(4).toString("hex");
  const namespace = `bench-router-${suffix}:`;
  const app = `benchrouter${suffix}`;
  const host = `${app}.${config.domain}`;
  const dir = mkdtempSync(join(tmpdir(), "ouro-bench-router-"));
  undo.add("the benchmark's files", () => rmSync(dir, { recursive: true, force: true }));

  const children: ChildProcess[] = [];
  undo.add("the dyno, the router and nginx", async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await sleep(500);
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  });

  const dynoPort = await freePort();
  const dyno = spawn(process.execPath, ["-e", BARE_DYNO], { env: { ...process.env, PORT: String(dynoPort) }, stdio: "inherit" });
  children.push(dyno);
  await answering("the bare dyno", dynoPort, host, dyno);

  const keys = routeKeys(namespace);
  undo.add("the route table and the app's log", async () => {
    await redis.del(...Object.values(keys).filter((k) => !k.endsWith("channel")));
    await deleteLogs(redis, app);
  });
  await redis.multi().sadd(keys.apps, app).hset(keys.routes, app, formatRouteEntries([{ address: `127.0.0.1:${dynoPort}`, dyno: "web.1" }])).exec();

  const routerPort = await freePort();
  const router = spawn(process.execPath, ["--import", "tsx", "test/bench/router/serve.ts"], {
    env: { ...process.env, BENCH_NAMESPACE: namespace, BENCH_PORT: String(routerPort), BENCH_PROCESSES: String(processes) },
    stdio: ["ignore", "inherit", "ignore"],
  });
  children.push(router);
  await answering("the router", routerPort, host, router);

  const nginxPort = await freePort();
  const nginx = startNginx({ dir: join(dir, "nginx"), port: nginxPort, dynoPort, processes });
  children.push(nginx);
  await answering("nginx", nginxPort, host, nginx);

  const targets = [
    { name: "direct", port: dynoPort, pid: undefined as number | undefined },
    { name: "router", port: routerPort, pid: router.pid },
    { name: "nginx", port: nginxPort, pid: nginx.pid },
  ];
  const results = new Map<string, Measured[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const url = `http://127.0.0.1:${target.port}/`;
      progress(`round ${round}/${rounds}: ${target.name} (warm-up, ${seconds} s at saturation, ${seconds} s moderate)`);
      await wrk({ url, host, connections, seconds: 3 });
      const [proxyBefore, dynoBefore] = [target.pid ? treeCpuUs(target.pid) : 0, treeCpuUs(dyno.pid!)];
      const saturated = await wrk({ url, host, connections, seconds });
      const [proxyAfter, dynoAfter] = [target.pid ? treeCpuUs(target.pid) : 0, treeCpuUs(dyno.pid!)];
      const moderate = await wrk({ url, host, connections, seconds, delayMs });
      if (saturated.errors || moderate.errors) throw new Error(`${target.name}: ${saturated.errors + moderate.errors} requests failed`);
      results.get(target.name)!.push({
        saturated,
        moderate,
        cpuUsPerRequest: target.pid ? (proxyAfter - proxyBefore) / saturated.requests : undefined,
        dynoCpuUsPerRequest: (dynoAfter - dynoBefore) / saturated.requests,
      });
    }
  }

  /** The round whose requests/s is the median's. */
  const median = (name: string) => {
    const list = [...results.get(name)!].sort((a, b) => a.saturated.requests / a.saturated.seconds - b.saturated.requests / b.saturated.seconds);
    return list[Math.floor(list.length / 2)]!;
  };
  const [direct, viaRouter, viaNginx] = [median("direct"), median("router"), median("nginx")];
  const rps = (m: Measured) => m.saturated.requests / m.saturated.seconds;
  const row = (name: string, m: Measured) =>
    [
      name.padEnd(7),
      `${rps(m).toFixed(0).padStart(7)} req/s`,
      `p50 ${m.saturated.p50Ms.toFixed(2)} ms, p99 ${m.saturated.p99Ms.toFixed(2)} ms`,
      `| moderate: ${(m.moderate.requests / m.moderate.seconds).toFixed(0)} req/s, p50 ${m.moderate.p50Ms.toFixed(2)} ms, p99 ${m.moderate.p99Ms.toFixed(2)} ms`,
      `| CPU/request: proxy ${m.cpuUsPerRequest === undefined ? "-" : `${m.cpuUsPerRequest.toFixed(1)} µs`}, dyno ${m.dynoCpuUsPerRequest.toFixed(1)} µs`,
    ].join("  ");
  console.log(`\n${connections} connections, ${processes} proxy process(es), median of ${rounds} rounds of ${seconds} s`);
  console.log(row("direct", direct));
  console.log(row("router", viaRouter));
  console.log(row("nginx", viaNginx));

  const cpuRatio = viaRouter.cpuUsPerRequest! / viaNginx.cpuUsPerRequest!;
  report.set("cpu", `${viaRouter.cpuUsPerRequest!.toFixed(1)} µs vs ${viaNginx.cpuUsPerRequest!.toFixed(1)} µs: ${cpuRatio.toFixed(2)}×`, passIf(cpuRatio <= 2));
  const rpsRatio = rps(viaRouter) / rps(viaNginx);
  report.set("rps", `${rps(viaRouter).toFixed(0)} vs ${rps(viaNginx).toFixed(0)}: ${rpsRatio.toFixed(2)}× (direct ${rps(direct).toFixed(0)})`, passIf(rpsRatio >= 0.75));
  const added = viaRouter.moderate.p99Ms - direct.moderate.p99Ms;
  const nginxAdded = viaNginx.moderate.p99Ms - direct.moderate.p99Ms;
  report.set("p99", `${added.toFixed(2)} ms (nginx ${nginxAdded.toFixed(2)} ms)`, passIf(added <= 1));
} catch (error) {
  report.failed("the benchmark", error);
} finally {
  await undo.run();
}
process.exitCode = report.print() ? 0 : 1;
