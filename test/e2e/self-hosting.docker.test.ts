// Heroku on Ouro: the system apps are apps deployed by git push, the builder
// reached its fixed point, a build survives the death of the worker that watches it and fails
// clearly at the death of its own build dyno, and a buildpack change reaches user builds
// through `ouro system:upgrade`.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../platform/lib/config.ts";
import { pushSystemApp } from "../../platform/bootstrap/index.ts";
import { api, apiKey, apiUrl, checkout, eventually, git, ouro, removeDir, uniqueName } from "../support/platform.ts";

interface Release { version: number; description: string; current: boolean; slug: { id: string } | null }
interface Slug { checksum: string; commit: string | null }

const slugOf = async (app: string, release: Release) => (await api<Slug>("GET", `/apps/${app}/slugs/${release.slug!.id}`)).body;

describe("self-hosting", () => {
  it("the builder built by itself (stage 1) is byte-identical to the hand-compiled one (stage 0)", async () => {
    const releases = (await api<Release[]>("GET", "/apps/builder/releases")).body;
    const current = releases.find((r) => r.current)!;
    expect(current.description).toMatch(/^Deploy /);
    const built = await slugOf("builder", current);
    const stage0 = releases.filter((r) => r.description.startsWith("Stage 0") && r.slug);
    const handCompiled = await Promise.all(stage0.map((r) => slugOf("builder", r)));
    const sameSource = handCompiled.find((s) => s.commit === built.commit);
    expect(sameSource?.checksum).toBe(built.checksum);
  });

  it("lists builder, cron, postgres, redis and dashboard as system apps, each running a release made by a build on the platform", async () => {
    const all = ouro(["apps", "--all"]).stdout;
    for (const name of ["builder", "cron", "postgres", "redis", "dashboard"]) {
      expect(all).toContain(name);
      const releases = (await api<Release[]>("GET", `/apps/${name}/releases`)).body;
      const current = releases.find((r) => r.current);
      const builds = (await api<{ status: string; slug: { id: string } | null }[]>("GET", `/apps/${name}/builds`)).body;
      expect(builds.some((b) => b.status === "succeeded" && b.slug?.id === current?.slug?.id), `${name}'s current slug came from a build`).toBe(true);
    }
  });

  it("runs the builder's dyno on the same stack image as app dynos", () => {
    const images = (label: string) =>
      execFileSync("docker", ["ps", "--filter", `label=${label}`, "--format", "{{.Image}}"], { encoding: "utf8" }).trim().split("\n");
    const builder = images("ouro.app=builder");
    expect(builder[0]).toBe("ouro/stack:bookworm");
    expect(ouro(["ps", "-a", "builder"]).stdout).toMatch(/worker\.1: up/);
  });

  interface Outcome {
    app: string;
    buildId: string;
    code: number | null;
    output: string;
    build: { status: string; failure_message: string | null };
  }

  /** Pushes hello-express to a new app, calls `midBuild` once Node.js is detected, and checks the outcome before the app goes. */
  async function pushAndInterrupt(prefix: string, midBuild: (buildId: string) => void, check: (outcome: Outcome) => Promise<void>) {
    const app = uniqueName(prefix);
    await api("POST", "/apps", { name: app });
    const dir = checkout("hello-express", app);
    try {
      let output = "";
      let detected: () => void;
      const started = new Promise<void>((resolve) => (detected = resolve));
      const push = new Promise<number | null>((resolve) => {
        const child = spawn("git", ["-C", dir, "push", "ouro", "main"]);
        child.stderr.on("data", (chunk: Buffer) => {
          output += chunk;
          if (output.includes("Node.js app detected")) detected();
        });
        child.on("exit", resolve);
      });
      // Detection comes before npm install: the build is under way, far from done.
      await Promise.race([started, push.then(() => Promise.reject(new Error(`the push ended before the build started:\n${output}`)))]);
      const buildId = /Build (\S+) queued for the builder/.exec(output)?.[1] ?? "";
      expect(buildId, output).not.toBe("");
      expect((await api<{ status: string }>("GET", `/apps/${app}/builds/${buildId}`)).body.status, "the build was still running").toBe("pending");
      midBuild(buildId);
      const code = await push;
      const build = (await api<Outcome["build"]>("GET", `/apps/${app}/builds/${buildId}`)).body;
      await check({ app, buildId, code, output, build });
    } finally {
      await api("DELETE", `/apps/${app}`);
      removeDir(dir);
    }
  }

  const containers = (...labels: string[]) =>
    execFileSync("docker", ["ps", "-q", ...labels.flatMap((l) => ["--filter", `label=${l}`])], { encoding: "utf8" }).trim().split("\n").filter(Boolean);

  it("a build goes on in its own build dyno when the builder's worker dyno is killed, and the restarted worker watches it to the end", async () => {
    const kill = () => {
      for (const id of containers("ouro.app=builder", "ouro.type=worker")) execFileSync("docker", ["kill", id]);
    };
    await pushAndInterrupt("killed", kill, async (outcome) => {
      expect(outcome.code, outcome.output).toBe(0);
      expect(outcome.build.status).toBe("succeeded");
      // Built once, by one build dyno; taken by a worker twice: the second time once BullMQ found
      // the job stalled (within about 15 s), which may come after the build ended.
      expect(outcome.output.match(/-----> Node\.js app detected/g), outcome.output).toHaveLength(1);
      const lines = (what: string) =>
        ouro(["logs", "-a", "builder", "-n", "1500"]).stdout.split("\n").filter((line) => line.includes(`build ${outcome.buildId} app=${outcome.app} ${what}`));
      await eventually("a second worker taking the build", async () => (lines("taken").length >= 2 ? true : undefined), 60_000);
      expect(lines("taken"), "the workers' log lines taking this build").toHaveLength(2);
      expect(lines("started"), "the build dynos' log lines starting it").toHaveLength(1);
    });
  }, 240_000);

  it("a build goes on when the builder is restarted with ps:restart mid-build: its dyno runs on, and the restarted worker watches it", async () => {
    await pushAndInterrupt("restarted", () => expect(ouro(["ps:restart", "-a", "builder"]).code).toBe(0), async (outcome) => {
      expect(outcome.code, outcome.output).toBe(0);
      expect(outcome.build.status).toBe("succeeded");
      expect(outcome.output.match(/-----> Node\.js app detected/g), outcome.output).toHaveLength(1);
      // The stopped worker's job was taken again by its successor, which found the build done or running.
      const taken = () =>
        ouro(["logs", "-a", "builder", "-n", "1500"]).stdout.split("\n").filter((line) => line.includes(`build ${outcome.buildId} app=${outcome.app} taken`));
      await eventually("the restarted worker taking the build again", async () => (taken().length >= 2 ? true : undefined), 60_000);
    });
  }, 240_000);

  it("a build whose build dyno is killed fails, saying how its dyno ended, and the app keeps no new release", async () => {
    const kill = (buildId: string) => {
      for (const id of containers(`ouro.build=${buildId}`)) execFileSync("docker", ["kill", id]);
    };
    await pushAndInterrupt("dyno-killed", kill, async (outcome) => {
      expect(outcome.code, outcome.output).not.toBe(0);
      expect(outcome.build.status).toBe("failed");
      expect(outcome.build.failure_message).toMatch(/^The build ended without a result: build\.\d+ exited with code 137 before it reported a result/);
      expect(outcome.output).toContain(outcome.build.failure_message);
      expect((await api<unknown[]>("GET", `/apps/${outcome.app}/releases`)).body).toEqual([]);
    });
  }, 240_000);

  it("a buildpack change applied with system:upgrade is used by the next user build", async () => {
    const copy = mkdtempSync(join(tmpdir(), "ouro-checkout-"));
    const marker = `upgraded-procfile-buildpack-${Date.now()}`;
    const app = uniqueName("upgrade");
    await api("POST", "/apps", { name: app });
    const dir = checkout("bad-procfile", app);
    try {
      for (const path of ["apps", "buildpacks", "platform/lib"]) cpSync(join(repoRoot, path), join(copy, path), { recursive: true, filter: (p) => !p.includes("node_modules") });
      const compile = join(copy, "buildpacks/procfile/bin/compile");
      writeFileSync(compile, readFileSync(compile, "utf8").replace(/\n/, `\necho "-----> ${marker}"\n`));
      const upgraded = await pushSystemApp({ repoRoot: copy, name: "builder", apiUrl, apiKey: apiKey() });
      expect(upgraded.pushed).toBe(true);
      await eventually("the upgraded builder's dyno", async () => {
        const dynos = (await api<{ type: string; state: string; release: { version: number } }[]>("GET", "/apps/builder/dynos")).body;
        return dynos.some((d) => d.type === "worker" && d.state === "up" && d.release.version === upgraded.version) ? true : undefined;
      }, 120_000);
      writeFileSync(join(dir, "Procfile"), "worker: sleep 1000\n");
      git(dir, "commit", "-q", "-am", "a valid Procfile");
      const push = git(dir, "push", "ouro", "main");
      expect(push.output).toContain(marker);
      expect(push.code, push.output).toBe(0);
    } finally {
      await api("DELETE", `/apps/${app}`);
      removeDir(dir);
      removeDir(copy);
      // Back to this checkout's builder, as `ouro system:upgrade builder` does.
      expect(ouro(["system:upgrade", "builder"]).code).toBe(0);
    }
  }, 400_000);
});
