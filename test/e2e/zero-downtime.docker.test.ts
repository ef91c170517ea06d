// Changes that replace every web dyno of a serving app fail no request: under constant load
// through the router (127.0.0.1, bounded in count and time), `ouro ps:restart`, `ps:restart web`,
// `config:set` and a `git push` each replace both web dynos by the app's strategy (preboot: the
// new set up before the old one stops) while every request gets a 200.
import { execFile, execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { runOuro } from "../support/cli.ts";
import { constantLoad } from "../support/load.ts";
import { apiKey, apiUrl, appWithCheckout, git, ouro, uniqueName } from "../support/platform.ts";

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
});
