// Heroku on Ouro: the system apps are apps deployed by git push, the builder
// reached its fixed point, a builder dyno's death does not strand a build, and a
// buildpack change reaches user builds through `ouro system:upgrade`.
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

  it("lists builder, cron, postgres and redis as system apps, each running a release made by a build on the platform", async () => {
    const all = ouro(["apps", "--all"]).stdout;
    for (const name of ["builder", "cron", "postgres", "redis"]) {
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

  it("a build whose builder dyno is killed mid-build is run again, not left pending", async () => {
    const app = uniqueName("killed");
    await api("POST", "/apps", { name: app });
    const dir = checkout("hello-express", app);
    try {
      const push = new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("git", ["-C", dir, "push", "ouro", "main"]);
        let output = "";
        child.stderr.on("data", (chunk: Buffer) => (output += chunk));
        child.on("exit", (code) => resolve({ code, output }));
      });
      // Kill the builder dyno once it has started this build.
      await eventually("the build to start in a builder dyno", async () => {
        const logs = ouro(["logs", "-a", app, "-n", "50"]).stdout;
        return logs.includes("Node.js app detected") ? true : undefined;
      }, 60_000);
      for (const id of execFileSync("docker", ["ps", "-q", "--filter", "label=ouro.app=builder", "--filter", "label=ouro.type=worker"], { encoding: "utf8" }).trim().split("\n")) {
        execFileSync("docker", ["kill", id]);
      }
      const result = await push;
      const builds = (await api<{ status: string; failure_message: string | null }[]>("GET", `/apps/${app}/builds`)).body;
      expect(builds.at(-1)?.status).not.toBe("pending");
      if (builds.at(-1)?.status === "failed") expect(builds.at(-1)?.failure_message).toMatch(/builder/);
      else expect(result.code, result.output).toBe(0);
    } finally {
      await api("DELETE", `/apps/${app}`);
      removeDir(dir);
    }
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
