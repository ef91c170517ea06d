// The walking skeleton end to end, as a user does it: create an app, `git push`
// an express app with the real git client, reach it through the router, scale
// it, change its config, and see a bad push refused while the app keeps serving.
// One push in beforeAll deploys v1; every test starts from "v1 deployed and serving"
// and sets up anything else it needs itself, so the tests run alone or in any order.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { api, appWithCheckout, eventually, git, ouro, pushChange, routerPort, uniqueName, viaRouter } from "../support/platform.ts";
import { openWebSocket } from "../support/websocket.ts";

const fixture = appWithCheckout("e2e", "hello-express");
const app = fixture.name;

interface Dyno {
  name: string;
  state: string;
  release: { version: number };
}

const upDynos = async () =>
  (await api<Dyno[]>("GET", `/apps/${app}/dynos`)).body.filter((d) => d.state === "up").map((d) => d.name).sort();
const currentVersion = async () =>
  (await api<{ version: number; current: boolean }[]>("GET", `/apps/${app}/releases`)).body.find((r) => r.current)?.version;
const containersOf = (dyno: string) =>
  execFileSync("docker", ["ps", "-q", "--filter", `label=ouro.app=${app}`, "--filter", `label=ouro.dyno=${dyno}`], { encoding: "utf8" }).trim();

describe("git push to a running app", () => {
  let deploy: { code: number | null; output: string };
  let deployed = ""; // the commit v1 was built from

  beforeAll(() => {
    deploy = git(fixture.dir, "push", "ouro", "main");
    deployed = git(fixture.dir, "rev-parse", "HEAD").output.trim();
  }, 300_000);

  it("builds in the builder dyno, streams the build and ends with the app's URL", async () => {
    expect(deploy.output).toContain("remote: -----> Node.js app detected");
    expect(deploy.output).toContain("remote: -----> Released v1");
    expect(deploy.output).toContain(`http://${app}.localhost:8080/`);
    expect(deploy.code, deploy.output).toBe(0);
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body.trim()).toMatch(/^Hello from web\.\d+ \S+$/);

    // The build ran in the builder app's worker dyno: its log names this build.
    const buildId = /Build (\S+) queued for the builder/.exec(deploy.output)?.[1];
    expect(buildId, deploy.output).toBeDefined();
    expect((await api<{ status: string }>("GET", `/apps/${app}/builds/${buildId}`)).body.status).toBe("succeeded");
    const logs = ouro(["logs", "-a", "builder", "-n", "1500"]);
    expect(logs.stdout).toMatch(new RegExp(`app\\[worker\\.\\d+\\]: .*${buildId}`));
  }, 60_000);

  it("scales web=2 worker=1 and sends requests to both web dynos", async () => {
    const scale = ouro(["ps:scale", "web=2", "worker=1", "-a", app]);
    expect(scale.code).toBe(0);
    await eventually("web.1, web.2 and worker.1 up", async () => {
      const names = await upDynos();
      return names.join(",") === "web.1,web.2,worker.1" ? names : undefined;
    });
    const ps = ouro(["ps", "-a", app]);
    expect(ps.stdout).toMatch(/web\.1: up/);
    expect(ps.stdout).toMatch(/web\.2: up/);
    expect(ps.stdout).toMatch(/worker\.1: up/);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add((await viaRouter(app)).body.trim().replace(/ \S+$/, ""));
    expect([...seen].sort()).toEqual(["Hello from web.1", "Hello from web.2"]);
  }, 120_000);

  it("makes a new release on config:set, and the app sees the var", async () => {
    const before = await currentVersion();
    const greeting = uniqueName("hi");
    expect(ouro(["config:set", `GREETING=${greeting}`, "-a", app]).code).toBe(0);
    const releases = await api<{ version: number; description: string }[]>("GET", `/apps/${app}/releases`);
    expect(releases.body.at(-1)).toMatchObject({ version: before! + 1, description: "Set GREETING config vars" });
    await eventually(`the app to greet with ${greeting}`, async () => {
      const res = await viaRouter(app);
      return res.body.trim().endsWith(` ${greeting}`) ? res : undefined;
    });
  }, 120_000);

  it("refuses a push with nothing to build, and the previous release keeps serving", async () => {
    const before = await currentVersion();
    const push = pushChange(fixture.dir, {
      from: deployed,
      message: "nothing",
      change: (dir) => {
        git(dir, "rm", "-q", "-r", ".");
        writeFileSync(`${dir}/README.txt`, "nothing to build\n");
      },
    });
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("No buildpack detected this app");
    expect(push.output).toContain("nodejs (package.json), static (static.json or index.html), procfile (Procfile)");
    expect(push.output).toContain("pre-receive hook declined");
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body.trim()).toMatch(/^Hello from web\.\d+ /);
    expect(await currentVersion()).toBe(before);
  }, 120_000);

  it("restarts a dyno whose process exits", async () => {
    expect(ouro(["ps:scale", "worker=1", "-a", app]).code).toBe(0);
    // One worker.1, up, of the current release (a release or scale just before may be replacing it).
    const before = await eventually("one worker.1 of the current release up", async () => {
      const version = await currentVersion();
      const dynos = (await api<Dyno[]>("GET", `/apps/${app}/dynos`)).body.filter((d) => d.name === "worker.1");
      const ids = containersOf("worker.1").split("\n").filter(Boolean);
      return dynos.length === 1 && dynos[0]!.state === "up" && dynos[0]!.release.version === version && ids.length === 1 ? ids[0] : undefined;
    });
    execFileSync("docker", ["kill", before]);
    await eventually("a new worker.1 up", async () => {
      const dynos = (await api<Dyno[]>("GET", `/apps/${app}/dynos`)).body;
      const worker = dynos.find((d) => d.name === "worker.1" && d.state === "up");
      const now = containersOf("worker.1");
      return worker && now && now !== before ? now : undefined;
    });
  }, 90_000);

  it("refuses a malformed Procfile naming the line", async () => {
    const before = await currentVersion();
    const push = pushChange(fixture.dir, {
      from: deployed,
      message: "bad Procfile",
      change: (dir) => writeFileSync(`${dir}/Procfile`, "web: node server.js\nworker node worker.js\n"),
    });
    expect(push.code).not.toBe(0);
    expect(push.output).toContain('Procfile line 2 ("worker node worker.js") is not "<process type>: <command>"');
    expect((await viaRouter(app)).status).toBe(200);
    expect(await currentVersion()).toBe(before);
  }, 120_000);

  it("passes a WebSocket through the router, and logs each request with the request id the app saw", async () => {
    const socket = await openWebSocket({ port: routerPort, host: `${app}.localhost`, path: "/echo" });
    try {
      socket.send("hello over the router");
      expect(await socket.receive()).toBe("hello over the router");
      expect(socket.head).toMatch(/^x-request-id: \S+$/im);
    } finally {
      socket.close();
    }
    const res = await viaRouter(app, "/request-id");
    expect(res.status).toBe(200);
    const id = res.headers["x-request-id"] as string;
    expect(id).toMatch(/^[A-Za-z0-9+/=-]{20,200}$/);
    expect(res.body).toBe(id);

    const routerLines = () => ouro(["logs", "-a", app, "--source", "router", "-n", "300"]).stdout.trim().split("\n");
    const line = await eventually("the router's line for the request", async () => routerLines().find((l) => l.includes(`request_id=${id}`)), 15_000);
    expect(line).toMatch(
      new RegExp(`router\\[router\\]: at=info method=GET path="/request-id" host=${app}\\.localhost request_id=${id} fwd="127\\.0\\.0\\.1" dyno=web\\.\\d+ connect=\\d+ms service=\\d+ms status=200 bytes=${id.length} protocol=http$`),
    );
    const lines = routerLines();
    expect(lines.every((l) => / router\[router\]: at=/.test(l))).toBe(true);
    expect(lines.some((l) => /method=GET path="\/echo" .* dyno=web\.\d+ .* status=101 /.test(l))).toBe(true);
  }, 60_000);

  it("shows dyno and build output in logs", async () => {
    expect(ouro(["ps:scale", "worker=1", "-a", app]).code).toBe(0);
    const logs = await eventually("a worker tick in the logs", async () => {
      const out = ouro(["logs", "-a", app, "-n", "500"]).stdout;
      return /app\[worker\.1\]: worker worker\.1 tick/.test(out) ? out : undefined;
    });
    expect(logs).toContain("app[build]: -----> Node.js app detected");
  }, 60_000);
});

describe("the router", () => {
  it("answers 404 for an unknown host and 503 for an app with no web dyno", async () => {
    const unknown = await viaRouter("no-such-app-anywhere");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("No such app");
    const name = uniqueName("idle");
    await api("POST", "/apps", { name });
    try {
      const idle = await eventually("the router to learn the app", async () => {
        const res = await viaRouter(name);
        return res.status === 503 ? res : undefined;
      }, 15_000);
      expect(idle.body).toContain("no web dyno up");
    } finally {
      await api("DELETE", `/apps/${name}`);
    }
  });
});
