// `ouro ps`, `ps:type`, `ps:scale` with sizes and `run:detached --size`: the real bin/ouro in a
// child process against the real API in-process (throwaway database). No dyno manager runs:
// the dynos `ps` lists are recorded as the dyno manager would record them.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, markRun, recordDynos } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));
const TIME = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \(~ \d+s ago\)`;

describe("ps, ps:type, ps:scale and run with sizes", () => {
  let api: InProcessApi;
  let app: AppRow;

  function ouro(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(BIN, args, { env: { ...process.env, OURO_API_URL: api.url, OURO_API_KEY: api.key, TZ: "UTC" } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_ps_test" });
    app = await api.createApp(uniqueName("ps"));
    await api.recordDeploy(app, {}, { web: "npm start", worker: "node worker.js" });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("ps:scale web=2:standard-2X sets quantity and size in one call", async () => {
    const res = await ouro("ps:scale", "web=2:standard-2X", "-a", app.name);
    expect(res.stderr).toContain("Scaling dynos... done, now running web at 2:Standard-2X");
    expect(res.code).toBe(0);
    expect((await ouro("ps:scale", "-a", app.name)).stdout).toBe("web=2:Standard-2X worker=0:Standard-1X\n");
    expect((await ouro("ps:scale", "web=1:1x", "-a", app.name)).stderr).toContain("now running web at 1:Standard-1X");
  });

  it("ps:type TYPE=SIZE resizes the types named and prints every type's size", async () => {
    const res = await ouro("ps:type", "worker=PM", "-a", app.name);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`Scaling dynos on ${app.name}... done`);
    expect(res.stdout).toBe(
      [
        "=== Dyno Types",
        "type    size           qty  memory",
        "──────  ─────────────  ───  ───────",
        "web     Standard-1X    1    512 MB",
        "worker  Performance-M  0    2560 MB",
        "",
      ].join("\n"),
    );
  });

  it("ps:type SIZE resizes every type; ps:resize is the same command; --json carries the sizes", async () => {
    expect((await ouro("ps:resize", "standard-2x", "-a", app.name)).code).toBe(0);
    const res = await ouro("ps:type", "--json", "-a", app.name);
    const formation = JSON.parse(res.stdout) as { type: string; size: string }[];
    expect(formation.map((f) => [f.type, f.size])).toEqual([["web", "standard-2X"], ["worker", "standard-2X"]]);
  });

  it("shows the API's message for a size it does not know, and fails", async () => {
    const res = await ouro("ps:type", "web=huge", "-a", app.name);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('There is no dyno size "huge". Sizes: standard-1X (512 MB)');
  });

  it("run:detached --size starts a one-off dyno of that size", async () => {
    const res = await ouro("run:detached", "-s", "PM", "-a", app.name, "--", "echo", "hi");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^Running echo hi on ${app.name}\\.\\.\\. up, run\\.1 \\(Performance-M\\)\\n$`));
    const json = JSON.parse((await ouro("run:detached", "--size", "2x", "--json", "-a", app.name, "--", "true")).stdout) as { size: string };
    expect(json.size).toBe("standard-2X");
  });

  it("run hands the command's own options on, as heroku's does: `run ls -la` needs no --", async () => {
    const res = await ouro("run:detached", "-a", app.name, "ls", "-la", "/app", "--json");
    // `--json` after the command is the command's, not the CLI's: the answer is the text line.
    expect(res.stdout).toMatch(new RegExp(`^Running ls -la /app --json on ${app.name}\\.\\.\\. up, run\\.\\d+`));
  });

  it("ps groups formation dynos by type with their size, as heroku does, and lists one-off dynos apart, with when they expire", async () => {
    await ouro("ps:type", "web=1X", "-a", app.name);
    await ouro("ps:scale", "web=2", "worker=1", "-a", app.name);
    // Each with the size the dyno manager started it at: its type's, or the one-off dyno's own.
    const dyno = (name: string, type: string, command: string, size: string) => ({
      app_id: app.id, name, type, release_version: 1, container_id: `${app.name}-${name}`,
      command, state: "up" as const, port: null, created_at: new Date(), size, generation: 0, run_id: null,
    });
    // run.1 is `run:detached -s PM echo hi` above, started as the dyno manager would start it.
    const run = await api.db.query<{ id: string }>("SELECT id FROM runs WHERE app_id = $1 AND type = 'run' AND number = 1", [app.id]);
    await markRun(api.db, run.rows[0]!.id, { state: "running", expiresAt: new Date("2030-01-02T03:04:05Z") });
    await recordDynos(api.db, app.id, [
      dyno("worker.1", "worker", "node worker.js", "standard-2X"),
      dyno("web.2", "web", "npm start", "standard-1X"),
      dyno("web.1", "web", "npm start", "standard-1X"),
      { ...dyno("run.1", "run", "echo hi", "performance-M"), run_id: run.rows[0]!.id },
    ]);
    const res = await ouro("ps", "-a", app.name);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      new RegExp(
        [
          String.raw`^=== web \(Standard-1X\): npm start \(2\)`,
          `web\\.1: up ${TIME}`,
          `web\\.2: up ${TIME}`,
          "",
          String.raw`=== worker \(Standard-2X\): node worker\.js \(1\)`,
          `worker\\.1: up ${TIME}`,
          "",
          String.raw`=== run: one-off processes \(1\)`,
          String.raw`run\.1 \(Performance-M\): up ${TIME}: echo hi \(expires 2030/01/02 03:04:05\)`,
          "$",
        ].join("\n"),
      ),
    );
    const json = JSON.parse((await ouro("ps", "--json", "-a", app.name)).stdout) as { name: string; size: string }[];
    expect(json.map((d) => [d.name, d.size])).toEqual([["run.1", "performance-M"], ["web.1", "standard-1X"], ["web.2", "standard-1X"], ["worker.1", "standard-2X"]]);
  });
});
