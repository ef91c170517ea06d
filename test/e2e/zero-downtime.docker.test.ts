// Changes that replace every web dyno of a serving app fail no request: under constant load
// through the router (127.0.0.1, bounded in count and time), `ouro ps:restart`, `ps:restart web`,
// `config:set` and a `git push` each replace both web dynos by the app's strategy (preboot: the
// new set up before the old one stops) while every request gets a 200. And the kernel's dyno
// manager killed with SIGKILL is started again by the runner and adopts what it finds: killed
// while idle it restarts no dyno; killed in the middle of a push under the same load it converges
// on the new release with no failed request, no duplicate and no orphaned container; a web dyno
// killed from outside is replaced, with why in the app's logs.
import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dataDirFrom } from "../../platform/lib/config.ts";
import { runOuro } from "../support/cli.ts";
import { constantLoad } from "../support/load.ts";
import { apiKey, apiUrl, appWithCheckout, eventually, git, ouro, uniqueName } from "../support/platform.ts";

// Commands that do not block the event loop, so the load goes on while they run.
const ouroAsync = async (args: string[]) => {
  const result = await runOuro(args, { url: apiUrl, key: apiKey() });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
};
const gitAsync = (dir: string, ...args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });

const fixture = appWithCheckout("zdt", "hello-express");
const app = fixture.name;

const webContainers = () =>
  execFileSync("docker", ["ps", "-q", "--no-trunc", "--filter", `label=ouro.app=${app}`, "--filter", "label=ouro.type=web"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .sort();

const dataDir = dataDirFrom(process.env);
const managerPid = () => Number(readFileSync(join(dataDir, "run", "dynos.pid"), "utf8"));
const kernelLog = () => readFileSync(join(dataDir, "logs", "kernel.log"), "utf8");

/** The app's containers in every state, as `id release state`. */
const containers = () =>
  execFileSync("docker", ["ps", "-a", "--no-trunc", "--filter", `label=ouro.app=${app}`, "--format", '{{.ID}} {{.Label "ouro.release"}} {{.State}}'], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .sort();

async function waitConverged() {
  const waited = await ouroAsync(["ps:wait", "-a", app, "--timeout", "120"]);
  expect(waited.code, waited.output).toBe(0);
}

/** Runs `change` under load until the app converged again; every web dyno was replaced, no request failed. */
async function underLoad(change: () => Promise<{ code: number; output: string }>) {
  const before = webContainers();
  expect(before).toHaveLength(2);
  const load = constantLoad({ app, connections: 8, maxMs: 150_000 });
  try {
    const changed = await change();
    expect(changed.code, changed.output).toBe(0);
    await waitConverged();
  } finally {
    const tally = await load.stop();
    expect(tally.failures).toEqual({});
    expect(tally.failed).toBe(0);
    expect(tally.ok).toBeGreaterThan(200);
  }
  const after = webContainers();
  expect(after).toHaveLength(2);
  expect(after.filter((id) => before.includes(id))).toEqual([]);
}

/** SIGKILL to the dyno manager; resolves once the runner has started it again. */
async function killManager() {
  const before = managerPid();
  const logFrom = kernelLog().length;
  process.kill(before, "SIGKILL");
  await eventually("the runner to start the dyno manager again", async () =>
    managerPid() !== before && kernelLog().slice(logFrom).includes("dyno manager running") ? true : undefined,
  60_000);
  expect(kernelLog().slice(logFrom)).toMatch(/runner: dynos exited \(signal SIGKILL\), restarting in \d+ ms/);
}

describe("zero failed requests while every web dyno is replaced", () => {
  let deployed = "";
  beforeAll(() => {
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
    deployed = git(fixture.dir, "rev-parse", "HEAD").output.trim();
    expect(ouro(["ps:scale", "web=2", "-a", app]).code).toBe(0);
  }, 300_000);

  it("ps:restart", async () => {
    await waitConverged();
    await underLoad(() => ouroAsync(["ps:restart", "-a", app]));
  }, 180_000);

  it("ps:restart web", async () => {
    await waitConverged();
    await underLoad(() => ouroAsync(["ps:restart", "web", "-a", app]));
  }, 180_000);

  it("config:set", async () => {
    await waitConverged();
    await underLoad(() => ouroAsync(["config:set", "GREETING=under-load", "-a", app]));
  }, 180_000);

  it("git push of a new release", async () => {
    await waitConverged();
    // A new commit on a branch of its own, pushed as main: the push is the only thing that waits.
    const branch = uniqueName("change");
    expect(git(fixture.dir, "checkout", "-q", "-b", branch, deployed).code).toBe(0);
    expect(git(fixture.dir, "commit", "-q", "--allow-empty", "-m", "a new release under load").code).toBe(0);
    try {
      await underLoad(() => gitAsync(fixture.dir, "push", "-f", "ouro", `${branch}:main`));
    } finally {
      git(fixture.dir, "checkout", "-q", "-f", "main");
      git(fixture.dir, "branch", "-q", "-D", branch);
    }
  }, 240_000);

  it("while idle: started again, it adopts every dyno and restarts none", async () => {
    const before = containers();
    expect(before).toHaveLength(2);
    await killManager();
    // Past its first reconcile and its first tick (5 s on): time enough to have replaced anything it would.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(containers()).toEqual(before);
    await waitConverged();
  }, 120_000);

  it("a web dyno killed from outside is replaced, and the app's logs say why", async () => {
    const [victim, other] = containers().map((c) => c.split(" ")[0]!);
    execFileSync("docker", ["kill", victim!]);
    await eventually("a new web dyno in its place, both up", async () => {
      const now = containers();
      return now.length === 2 && now.every((c) => c.endsWith(" running")) && !now.some((c) => c.startsWith(victim!)) ? now : undefined;
    }, 60_000);
    expect(containers().some((c) => c.startsWith(other!))).toBe(true);
    await waitConverged();
    const logs = ouro(["logs", "-a", app, "-n", "300"]).stdout;
    expect(logs).toMatch(/ouro\[web\.\d\]: Process exited with status 137\n.*ouro\[web\.\d\]: State changed from up to crashed\n/);
    expect(logs).toMatch(/ouro\[web\.\d\]: State changed from crashed to starting|ouro\[web\.\d\]: Starting process with command/);
  }, 120_000);

  it("in the middle of a push under load: the release goes live, no request fails, no duplicate, no orphan", async () => {
    const before = containers();
    const oldRelease = before[0]!.split(" ")[1];
    const branch = uniqueName("change");
    expect(git(fixture.dir, "checkout", "-q", "-b", branch, deployed).code).toBe(0);
    expect(git(fixture.dir, "commit", "-q", "--allow-empty", "-m", "a release the manager dies during").code).toBe(0);
    const load = constantLoad({ app, connections: 8, maxMs: 150_000 });
    try {
      const push = gitAsync(fixture.dir, "push", "-f", "ouro", `${branch}:main`);
      // The manager dies once the new release's first dyno exists: mid-deploy.
      await eventually("a dyno of the new release", async () => (containers().some((c) => c.split(" ")[1] !== oldRelease) ? true : undefined), 120_000);
      await killManager();
      const pushed = await push;
      expect(pushed.code, pushed.output).toBe(0);
      await waitConverged();
    } finally {
      const tally = await load.stop();
      git(fixture.dir, "checkout", "-q", "-f", "main");
      git(fixture.dir, "branch", "-q", "-D", branch);
      expect(tally.failures).toEqual({});
      expect(tally.failed).toBe(0);
      expect(tally.ok).toBeGreaterThan(100);
    }
    const after = containers();
    // Exactly the formation: two web dynos of the new release, running; nothing else left behind.
    expect(after).toHaveLength(2);
    expect(after.every((c) => c.endsWith(" running") && c.split(" ")[1] !== oldRelease), after.join("\n")).toBe(true);
    const ps = JSON.parse(ouro(["ps", "-a", app, "--json"]).stdout) as { name: string; state: string }[];
    expect(ps.map((d) => `${d.name} ${d.state}`).sort()).toEqual(["web.1 up", "web.2 up"]);
  }, 240_000);
});
