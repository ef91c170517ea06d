// `ouro ps:plan`, `ps:wait`, `ps:strategy` and `ps:restart`: the real bin/ouro against the real API
// in-process (throwaway database). No dyno manager runs: the live model is recorded as the dyno
// manager would record it, and a test changes it to see ps:wait follow.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type AppRow, listAudit, recordDynos } from "../../platform/db/index.ts";
import { RESTART_CHANNEL, restartMessage } from "../../platform/lib/channels.ts";
import type { FormationPlanResource, LifecycleSteps } from "../../platform/lib/plan-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { runOuro } from "../support/cli.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));

interface LiveSpec {
  name: string;
  release: number;
  state?: "starting" | "up" | "crashed" | "down";
  size?: string;
  generation?: number;
  container?: string;
  steps?: LifecycleSteps;
}

describe("ps:plan, ps:wait, ps:strategy and ps:restart", () => {
  let api: InProcessApi;
  const ouro = (...args: string[]) => runOuro(args, { url: api.url, key: api.key });

  /** An app deployed twice (web and worker), at web=2: returns it with its previous and current release. */
  async function deployedApp(prefix: string) {
    const app = await api.createApp(uniqueName(prefix));
    const processTypes = { web: "npm start", worker: "node worker.js" };
    const previous = (await api.recordDeploy(app, {}, processTypes)).version;
    const current = (await api.recordDeploy(app, { "index.js": "// v2" }, processTypes)).version;
    expect((await ouro("ps:scale", "web=2", "-a", app.name)).code).toBe(0);
    return { app, previous, current };
  }

  /** Records the app's live model as the dyno manager would; each container id is random unless given. */
  async function recordLive(app: AppRow, dynos: LiveSpec[]): Promise<string[]> {
    const containers = dynos.map((d) => d.container ?? randomBytes(32).toString("hex"));
    await recordDynos(
      api.db,
      app.id,
      dynos.map((d, i) => {
        const type = d.name.split(".")[0]!;
        return {
          app_id: app.id, name: d.name, type, release_version: d.release, container_id: containers[i]!,
          command: type === "web" ? "npm start" : "node worker.js", state: d.state ?? "up", port: null,
          created_at: new Date(), size: d.size ?? "standard-1X", generation: d.generation ?? 0, run_id: null, steps: d.steps,
        };
      }),
    );
    return containers.map((c) => c.slice(0, 12));
  }

  const planOf = async (app: AppRow) =>
    (await jsonRequest<FormationPlanResource>({ base: api.url, key: api.key }, "GET", `/apps/${app.name}/formation-plan`)).body;
  const generations = async (app: AppRow) => Object.fromEntries((await planOf(app)).desired.formation.map((f) => [f.type, f.generation]));
  /** A dyno's age changes from run to run; the rest of the output does not. */
  const steady = (text: string) => text.replace(/\b(up|starting|crashed|down) \d+s\b/g, "$1 Ns");

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_plan_test" });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("ps:plan shows the strategy, both models, a start, a replace and a stop, and the plan in phases", async () => {
    const { app, previous: v1, current: v2 } = await deployedApp("plan");
    const [web1, worker1] = await recordLive(app, [
      { name: "web.1", release: v1, steps: { configure: { at: "2026-11-27T07:00:00Z", ms: 40 }, start: { at: "2026-11-27T07:00:01Z", ms: 120 } } },
      { name: "worker.1", release: v2 },
    ]);
    const res = await ouro("ps:plan", "-a", app.name);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(steady(res.stdout)).toBe(
      [
        "Strategy: preboot",
        "",
        `=== Desired: v${v2}`,
        "web     2 × Standard-1X",
        "worker  0 × Standard-1X",
        "",
        "=== Live",
        "dyno      release  size         state  step          container",
        "────────  ───────  ───────────  ─────  ────────────  ────────────",
        `web.1     v${v1}       Standard-1X  up Ns  start 120 ms  ${web1}`,
        `worker.1  v${v2}       Standard-1X  up Ns  -             ${worker1}`,
        "",
        "=== Delta",
        `~ replace web.1 v${v1} → v${v2}`,
        `+ start web.2 (v${v2})`,
        "- stop worker.1 (not in the formation)",
        "",
        "=== Plan",
        `1. start web.2 v${v2}, start web.1 v${v2}`,
        `2. stop web.1 v${v1} (${web1})`,
        `3. stop worker.1 v${v2} (${worker1})`,
        "",
      ].join("\n"),
    );

    // The same app rolling one at a time: each replaced slot is a start then a stop, new slots after.
    expect((await ouro("ps:strategy", "rolling", "-a", app.name)).code).toBe(0);
    const rolling = await ouro("ps:plan", "-a", app.name);
    expect(rolling.stdout).toMatch(/^Strategy: rolling, 1 at a time\n/);
    expect(rolling.stdout.split("=== Plan\n")[1]).toBe(
      [`1. start web.1 v${v2}`, `2. stop web.1 v${v1} (${web1})`, `3. start web.2 v${v2}`, `4. stop worker.1 v${v2} (${worker1})`, ""].join("\n"),
    );

    const json = JSON.parse((await ouro("ps:plan", "--json", "-a", app.name)).stdout) as FormationPlanResource;
    expect(json.delta.map((e) => [e.kind, e.dyno])).toEqual([["replace", "web.1"], ["start", "web.2"], ["stop", "worker.1"]]);
    expect(json.converged).toBe(false);
  });

  it("ps:plan says there is nothing to do once live equals desired, and ps:wait returns at once", async () => {
    const { app, current } = await deployedApp("converged");
    await recordLive(app, [
      { name: "web.1", release: current, container: "c".repeat(64) },
      { name: "web.2", release: current, state: "starting" },
    ]);
    // Nothing left to change, but web.2 is not up yet: not converged.
    expect((await ouro("ps:plan", "-a", app.name)).stdout).toMatch(/\nNothing to do but wait for web\.2 \(starting\) to be up\.\n$/);

    await recordLive(app, [
      { name: "web.1", release: current, container: "c".repeat(64) },
      { name: "web.2", release: current },
    ]);
    const res = await ouro("ps:plan", "-a", app.name);
    expect(res.stdout).toMatch(/\n=== Live\n(.*\n){4}\nNothing to do: live equals desired\.\n$/);
    expect(res.stdout).not.toContain("=== Delta");

    const started = Date.now();
    const wait = await ouro("ps:wait", "-a", app.name);
    expect(wait).toEqual({ code: 0, stdout: "Live equals desired: web: 2/2 up\n", stderr: "" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("ps:wait fails with what is left when the dynos do not match in time", async () => {
    const { app, previous } = await deployedApp("timeout");
    await recordLive(app, [{ name: "web.1", release: previous }]);
    const res = await ouro("ps:wait", "--timeout", "1", "--interval", "200", "-a", app.name);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(
      [
        `Waiting up to 1s for ${app.name}'s dynos to match its formation (ouro ps:plan shows the plan)`,
        "web: 0/2 up, 1 to start, 1 to replace",
        `Error: ${app.name}'s dynos did not match its formation within 1s: web: 0/2 up, 1 to start, 1 to replace. ` +
          `See ouro ps:plan -a ${app.name}, and ouro logs -a ${app.name} for a dyno that does not come up.`,
        "",
      ].join("\n"),
    );
  });

  it("ps:wait prints a line each time what is left changes, and exits 0 once converged", async () => {
    const { app, previous, current } = await deployedApp("wait");
    await recordLive(app, [{ name: "web.1", release: previous }]);
    const child = spawn(BIN, ["ps:wait", "--timeout", "60", "--interval", "100", "-a", app.name], {
      env: { ...process.env, OURO_API_URL: api.url, OURO_API_KEY: api.key },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    onTestFinished(() => void child.kill());
    const seen = async (line: string) => {
      for (let i = 0; i < 200 && !stderr.includes(`${line}\n`); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain(`${line}\n`);
    };

    await seen("web: 0/2 up, 1 to start, 1 to replace");
    // The new web.1 and web.2 start while the old web.1 still runs.
    await recordLive(app, [
      { name: "web.1", release: current, state: "starting" },
      { name: "web.1", release: previous },
      { name: "web.2", release: current, state: "starting" },
    ]);
    // The old web.1 stays until its successor is up: nothing to stop yet.
    await seen("web: 0/2 up, 2 starting");
    await recordLive(app, [
      { name: "web.1", release: current },
      { name: "web.1", release: previous },
      { name: "web.2", release: current, state: "starting" },
    ]);
    await seen("web: 1/2 up, 1 starting, 1 to stop");
    // Nothing left to change, but web.2 is not up yet: still waiting.
    await recordLive(app, [
      { name: "web.1", release: current },
      { name: "web.2", release: current, state: "starting" },
    ]);
    await seen("web: 1/2 up, 1 starting");
    await recordLive(app, [
      { name: "web.1", release: current },
      { name: "web.2", release: current },
    ]);
    expect(await exited).toBe(0);
    expect(stdout).toBe("Live equals desired: web: 2/2 up\n");
    // One line per change, however many polls saw it.
    expect(stderr.split("\n").slice(1)).toEqual([
      "web: 0/2 up, 1 to start, 1 to replace",
      "web: 0/2 up, 2 starting",
      "web: 1/2 up, 1 starting, 1 to stop",
      "web: 1/2 up, 1 starting",
      "",
    ]);
  });

  it("ps:strategy shows the strategy, sets it, and refuses what it does not know", async () => {
    const { app } = await deployedApp("strategy");
    expect(await ouro("ps:strategy", "-a", app.name)).toEqual({ code: 0, stdout: "preboot\n", stderr: "" });

    const set = await ouro("ps:strategy", "rolling", "--batch", "2", "-a", app.name);
    expect(set).toEqual({ code: 0, stdout: "rolling, 2 at a time\n", stderr: `Setting the strategy of ${app.name} to rolling... done\n` });
    expect(JSON.parse((await ouro("ps:strategy", "--json", "-a", app.name)).stdout)).toEqual({ strategy: "rolling", batch: 2 });
    expect((await planOf(app)).strategy).toEqual({ name: "rolling", batch: 2 });
    expect((await ouro("ps:strategy", "parallel", "-a", app.name)).stdout).toBe("parallel\n");

    const unknown = await ouro("ps:strategy", "fast", "-a", app.name);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: command-argument value 'fast' is invalid for argument 'strategy'. Allowed choices are preboot, rolling, parallel.");
    const tooMany = await ouro("ps:strategy", "rolling", "--batch", "101", "-a", app.name);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^Setting the strategy of .*\.\.\. failed\nError: batch: .*100/);
    const batchAlone = await ouro("ps:strategy", "--batch", "2", "-a", app.name);
    expect(batchAlone).toMatchObject({ code: 1, stderr: "Error: --batch goes with rolling: ouro ps:strategy rolling --batch N\n" });
    expect((await ouro("ps:strategy", "-a", app.name)).stdout).toBe("parallel\n");

    const help = await ouro("ps:strategy", "--help");
    expect(help.stdout).toContain("  preboot   the default: start the whole new set, switch traffic to each new dyno once it is up, then stop the old ones\n");
    expect(help.stdout).toContain("  rolling   replace --batch N dynos at a time");
    expect(help.stdout).toContain("  parallel  stop the old dynos as the new ones start, all at once: the fastest, but requests in between may fail\n");
  });

  it("ps:restart restarts every dyno, a process type's or one dyno", async () => {
    const { app, current } = await deployedApp("restart");
    await recordLive(app, [
      { name: "web.1", release: current },
      { name: "web.2", release: current },
    ]);
    expect(await generations(app)).toEqual({ web: 0, worker: 0 });

    const all = await ouro("ps:restart", "-a", app.name);
    expect(all).toEqual({ code: 0, stdout: "", stderr: `Restarting dynos on ${app.name}... done\n` });
    expect(await generations(app)).toEqual({ web: 1, worker: 1 });

    const web = await ouro("ps:restart", "web", "-a", app.name);
    expect(web).toEqual({ code: 0, stdout: "", stderr: `Restarting web dynos on ${app.name}... done\n` });
    expect(await generations(app)).toEqual({ web: 2, worker: 1 });
    expect(api.notified.filter((name) => name === app.name).length).toBeGreaterThanOrEqual(2);
    // The live dynos are of an older generation now: the plan replaces them.
    expect((await ouro("ps:plan", "-a", app.name)).stdout).toContain("=== Delta\n~ replace web.1 (restart)\n~ replace web.2 (restart)\n");

    const subscriber = api.deps.redis.duplicate();
    const messages: string[] = [];
    subscriber.on("message", (_channel: string, message: string) => void messages.push(message));
    await subscriber.subscribe(RESTART_CHANNEL);
    try {
      const one = await ouro("ps:restart", "web.1", "-a", app.name);
      expect(one).toEqual({ code: 0, stdout: "", stderr: `Restarting web.1 dyno on ${app.name}... done\n` });
      for (let i = 0; i < 40 && !messages.includes(restartMessage(app.name, "web.1")); i++) await new Promise((r) => setTimeout(r, 50));
      expect(messages).toContain(restartMessage(app.name, "web.1"));
      // One dyno is replaced on its own: no type's generation changes.
      expect(await generations(app)).toEqual({ web: 2, worker: 1 });
    } finally {
      subscriber.disconnect();
    }

    const missing = await ouro("ps:restart", "web.9", "-a", app.name);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: `Restarting web.9 dyno on ${app.name}... failed\nError: Couldn't find that dyno: web.9.\n`,
    });
  });

  it("ps:stop stops the way the strategy replaces: a type as a new generation, one dyno on its own", async () => {
    const { app, current } = await deployedApp("stop");
    await recordLive(app, [{ name: "web.1", release: current }]);
    const type = await ouro("ps:stop", "web", "-a", app.name);
    expect(type).toEqual({
      code: 0,
      stdout: "",
      stderr: `Stopping web dynos on ${app.name}... done\nThe formation still wants web: new dynos replace what stops. To run fewer, use ouro ps:scale.\n`,
    });
    expect(await generations(app)).toEqual({ web: 1, worker: 0 });

    const subscriber = api.deps.redis.duplicate();
    const messages: string[] = [];
    subscriber.on("message", (_channel: string, message: string) => void messages.push(message));
    await subscriber.subscribe(RESTART_CHANNEL);
    try {
      expect((await ouro("ps:stop", "web.1", "-a", app.name)).code).toBe(0);
      for (let i = 0; i < 40 && !messages.includes(restartMessage(app.name, "web.1")); i++) await new Promise((r) => setTimeout(r, 50));
      expect(messages).toContain(restartMessage(app.name, "web.1"));
    } finally {
      subscriber.disconnect();
    }
    const audit = await listAudit(api.deps.db, { appId: app.id, limit: 50 });
    expect(audit.filter((e) => e.action === "dyno.stop").map((e) => e.detail)).toEqual([{ dynos: "web.1" }, { dynos: "web" }]);

    const missing = await ouro("ps:stop", "run.7", "-a", app.name);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: `Stopping run.7 dyno on ${app.name}... failed\nError: Couldn't find that dyno: run.7.\n` });
  });
});
