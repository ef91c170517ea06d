// Requests failed under constant load through the running platform's router (127.0.0.1 only,
// bounded in count and time) while a real app (the hello-express fixture) changes: a git push of
// a new release, `ouro ps:restart`, and a scale of web from 2 to 4 to 1.
import Docker from "dockerode";
import { runOuro } from "../../support/cli.ts";
import { gitAsync } from "../../support/git-async.ts";
import { type LoadTally, constantLoad } from "../../support/load.ts";
import { api, apiKey, apiUrl, checkout, removeDir, uniqueName } from "../../support/platform.ts";
import type { Teardown } from "../teardown.ts";

export interface LoadResult {
  what: string;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  seconds: number;
  /** Web containers running before the change that were gone after it, of how many. */
  replaced: { gone: number; of: number };
  /** The web dynos that answered (the fixture says its dyno's name). */
  servedBy: string[];
}

const docker = new Docker();

async function webContainers(app: string): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`ouro.app=${app}`, "ouro.type=web"], status: ["running"] } });
  return list.map((c) => c.Id);
}

async function ouro(...args: string[]) {
  const result = await runOuro(args, { url: apiUrl, key: apiKey() });
  if (result.code !== 0) throw new Error(`ouro ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
}

async function push(dir: string) {
  const pushed = await gitAsync(dir, "push", "-q", "ouro", "main");
  if (pushed.code !== 0) throw new Error(`git push failed:\n${pushed.output}`);
}

/** Makes the app, deploys it at web=2, and gives what measures each change under load. */
export async function servingApp(undo: Teardown, named: (app: string) => void) {
  const app = uniqueName("bench-dynos");
  named(app);
  const created = await api("POST", "/apps", { name: app });
  if (created.status !== 201) throw new Error(`creating ${app} failed: ${created.status} ${JSON.stringify(created.body)}`);
  undo.add(`the app ${app}`, () => api("DELETE", `/apps/${app}`));
  const dir = checkout("hello-express", app);
  undo.add(`the checkout ${dir}`, () => removeDir(dir));
  await push(dir);
  await ouro("ps:scale", "web=2", "-a", app);
  const settled = () => ouro("ps:wait", "-a", app, "--timeout", "120");
  await settled();

  /** Runs `change` under load until the app has converged again. */
  async function underLoad(what: string, change: () => Promise<void>): Promise<LoadResult> {
    await settled();
    const before = await webContainers(app);
    const started = performance.now();
    const load = constantLoad({ app, connections: 8, maxRequests: 100_000, maxMs: 150_000 });
    let tally: LoadTally | undefined;
    try {
      await change();
      await settled();
    } finally {
      tally = await load.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await webContainers(app);
    const replaced = { gone: before.filter((id) => !after.includes(id)).length, of: before.length };
    const servedBy = [...new Set([...tally.bodies].map((body) => /\bweb\.\d+\b/.exec(body)?.[0] ?? body))].sort();
    return { what, ok: tally.ok, failed: tally.failed, failures: tally.failures, seconds, replaced, servedBy };
  }

  let releases = 0;
  return {
    app,
    push: () =>
      underLoad("git push of a new release", async () => {
        const commit = await gitAsync(dir, "commit", "-q", "--allow-empty", "-m", `a new release under load ${++releases}`);
        if (commit.code !== 0) throw new Error(`git commit failed:\n${commit.output}`);
        await push(dir);
      }),
    restart: () => underLoad("ouro ps:restart", () => ouro("ps:restart", "-a", app)),
    scale: () =>
      underLoad("ouro ps:scale web=2 → 4 → 1", async () => {
        await ouro("ps:scale", "web=4", "-a", app);
        await settled();
        await ouro("ps:scale", "web=1", "-a", app);
      }),
  };
}
