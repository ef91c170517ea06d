// The walking skeleton end to end, as a user does it: create an app, `git push`
// an express app with the real git client, reach it through the router, scale
// it, change its config, and see a bad push refused while the app keeps serving.
import { describe, expect, it } from "vitest";
import { api, appWithCheckout, eventually, git, ouro, uniqueName, viaRouter } from "../support/platform.ts";

const fixture = appWithCheckout("e2e", "hello-express");
const app = fixture.name;

interface Dyno {
  name: string;
  state: string;
  release: { version: number };
}

const upDynos = async () =>
  (await api<Dyno[]>("GET", `/apps/${app}/dynos`)).body.filter((d) => d.state === "up").map((d) => d.name).sort();

describe("git push to a running app", () => {

  it("builds in the builder dyno, streams the build and ends with the app's URL", async () => {
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.output).toContain("remote: -----> Node.js app detected");
    expect(push.output).toContain("remote: -----> Released v1");
    expect(push.output).toContain(`http://${app}.localhost:8080/`);
    expect(push.code).toBe(0);
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body.trim()).toBe("Hello from web.1 world");

    // The build ran in the builder app's worker dyno: its log names this build.
    const builds = await api<{ id: string; status: string }[]>("GET", `/apps/${app}/builds`);
    expect(builds.body.at(-1)?.status).toBe("succeeded");
    const logs = ouro(["logs", "-a", "builder", "-n", "1500"]);
    expect(logs.stdout).toMatch(new RegExp(`app\\[worker\\.\\d+\\]: .*${builds.body.at(-1)!.id}`));
  }, 300_000);

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
    for (let i = 0; i < 10; i++) seen.add((await viaRouter(app)).body.trim());
    expect([...seen].sort()).toEqual(["Hello from web.1 world", "Hello from web.2 world"]);
  }, 120_000);

  it("makes a new release on config:set, and the app sees the var", async () => {
    expect(ouro(["config:set", "GREETING=hi", "-a", app]).code).toBe(0);
    const releases = await api<{ version: number; description: string }[]>("GET", `/apps/${app}/releases`);
    expect(releases.body.at(-1)).toMatchObject({ version: 2, description: "Set GREETING config vars" });
    await eventually("the app to greet with hi", async () => {
      const res = await viaRouter(app);
      return res.body.trim().endsWith(" hi") ? res : undefined;
    });
  }, 120_000);

  it("refuses a push with nothing to build, and the previous release keeps serving", async () => {
    git(fixture.dir, "rm", "-q", "-r", ".");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${fixture.dir}/README.txt`, "nothing to build\n");
    git(fixture.dir, "add", "-A");
    git(fixture.dir, "commit", "-q", "-m", "nothing");
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code).not.toBe(0);
    expect(push.output).toContain("No buildpack detected this app");
    expect(push.output).toContain("nodejs (package.json), static (static.json or index.html), procfile (Procfile)");
    expect(push.output).toContain("pre-receive hook declined");
    const res = await viaRouter(app);
    expect(res.status).toBe(200);
    expect(res.body.trim()).toMatch(/^Hello from web\.\d hi$/);
    const releases = await api<{ version: number }[]>("GET", `/apps/${app}/releases`);
    expect(releases.body.at(-1)?.version).toBe(2);
  }, 120_000);

  it("restarts a dyno whose process exits", async () => {
    const { execFileSync } = await import("node:child_process");
    const before = execFileSync("docker", ["ps", "-q", "--filter", `label=ouro.app=${app}`, "--filter", "label=ouro.dyno=worker.1"], { encoding: "utf8" }).trim();
    expect(before).not.toBe("");
    execFileSync("docker", ["kill", before]);
    await eventually("a new worker.1 up", async () => {
      const dynos = (await api<(Dyno & { id: string })[]>("GET", `/apps/${app}/dynos`)).body;
      const worker = dynos.find((d) => d.name === "worker.1" && d.state === "up");
      const now = execFileSync("docker", ["ps", "-q", "--filter", `label=ouro.app=${app}`, "--filter", "label=ouro.dyno=worker.1"], { encoding: "utf8" }).trim();
      return worker && now && now !== before ? now : undefined;
    });
  }, 60_000);

  it("refuses a malformed Procfile naming the line", async () => {
    git(fixture.dir, "reset", "-q", "--hard", "HEAD~1");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${fixture.dir}/Procfile`, "web: node server.js\nworker node worker.js\n");
    git(fixture.dir, "commit", "-q", "-am", "bad Procfile");
    const push = git(fixture.dir, "push", "-f", "ouro", "main");
    expect(push.code).not.toBe(0);
    expect(push.output).toContain('Procfile line 2 ("worker node worker.js") is not "<process type>: <command>"');
    expect((await viaRouter(app)).status).toBe(200);
  }, 120_000);

  it("shows dyno and build output in logs", async () => {
    const logs = await eventually("a worker tick in the logs", async () => {
      const out = ouro(["logs", "-a", app, "-n", "500"]).stdout;
      return out.includes("app[worker.1]: worker worker.1 tick") ? out : undefined;
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
