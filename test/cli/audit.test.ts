// `ouro audit`: each entry's detail in a few words (table-tested), and the real bin/ouro in a
// child process against the real API in-process (throwaway database), reading back the
// entries the test's own commands caused.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditEntry, summarizeAudit } from "../../platform/cli/index.ts";
import { type AppRow, type User, createApiKey, ensureUser, recordAudit } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { runOuro } from "../support/cli.ts";
import { git, removeDir, uniqueName } from "../support/platform.ts";

describe("audit entry summaries", () => {
  it.each([
    ["config.update", { set: ["FOO", "BAR"], unset: [], version: 4 }, "set FOO, BAR (v4)"],
    ["config.update", { set: ["A"], unset: ["B"], version: 7 }, "set A; unset B (v7)"],
    ["formation.update", { updates: [{ type: "web", quantity: 2 }] }, "web=2"],
    ["formation.update", { updates: [{ type: "web", delta: 1 }, { type: "worker", delta: -2, size: "standard-2X" }] }, "web+1 worker-2:standard-2X"],
    ["formation.update", { updates: [{ type: "web", quantity: 2, size: "standard-2X" }, { type: "worker", size: "performance-M" }] }, "web=2:standard-2X worker=performance-M"],
    ["push", { commit: "0123456789abcdef0123456789abcdef01234567", build: "b1" }, "0123456"],
    ["push", { commit: null, build: "b1" }, ""],
    ["build.create", { version: "v1.2.3", build: "b1" }, "v1.2.3 (b1)"],
    ["build.create", { version: null, build: "b1" }, "(b1)"],
    ["dyno.run", { dyno: "run.1", command: "bash", size: "standard-1X" }, "run.1: bash"],
    ["buildpacks.update", { buildpacks: ["heroku/nodejs", "heroku/python"] }, "heroku/nodejs, heroku/python"],
    ["buildpacks.update", { buildpacks: [] }, "(cleared)"],
    ["addon.create", { addon: "postgres-abc", plan: "postgres" }, "postgres-abc (postgres)"],
    ["addon.destroy", { addon: "postgres-abc" }, "postgres-abc"],
    ["app.transfer", { from: "a@ouro.local", to: "b@ouro.local" }, "a@ouro.local → b@ouro.local"],
    ["collaborator.add", { email: "b@ouro.local" }, "b@ouro.local"],
    ["user.remove", { email: "b@ouro.local" }, "b@ouro.local"],
    ["authorization.create", { scope: ["read"], id: "k1" }, "k1 (read)"],
    ["authorization.revoke", { id: "k1" }, "k1"],
    ["domain.add", { hostname: "www.example.com" }, "www.example.com"],
    ["domain.remove", { hostname: "www.example.com" }, "www.example.com"],
    ["domain.update", { hostname: "www.example.com", sni_endpoint: "kyoto-12345" }, "www.example.com → kyoto-12345"],
    ["domain.update", { hostname: "www.example.com", sni_endpoint: null }, "www.example.com → (best match)"],
    ["cert.add", { name: "kyoto-12345", cert_domains: ["www.example.com", "example.com"], expires_at: "2030-01-01T00:00:00.000Z" }, "kyoto-12345 (www.example.com, example.com)"],
    ["cert.remove", { name: "kyoto-12345" }, "kyoto-12345"],
    ["app.maintenance", { maintenance: true }, "on"],
    ["app.maintenance", { maintenance: false }, "off"],
    ["app.create", {}, ""],
    ["dyno.restart", {}, ""],
    // An action this CLI does not know yet still says what its entry holds.
    ["app.rename", { from: "old", to: "new", count: 2, tags: ["x"] }, 'from=old to=new count=2 tags=["x"]'],
    // A detail of another shape than expected leaves the field out instead of failing.
    ["config.update", { set: "FOO", unset: [1, { x: 1 }] }, "unset 1"],
    ["formation.update", { updates: "web=2" }, ""],
    ["addon.create", { addon: "redis-xyz" }, "redis-xyz"],
    ["buildpacks.update", {}, ""],
  ] as const)("%s %j → %j", (action, detail, summary) => {
    expect(summarizeAudit({ action, detail: detail as Record<string, unknown> })).toBe(summary);
  });
});

describe("audit command", () => {
  let api: InProcessApi;
  let app: AppRow;
  let admin: User;
  let adminKey: string;
  const ouro = (args: string[], key = api.key, cwd?: string) => runOuro(args, { url: api.url, key, cwd });
  const DATE = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

  /** The table's rows after its header and rule, each split on runs of two or more spaces. */
  function rows(stdout: string): string[][] {
    const [header, rule, ...lines] = stdout.trimEnd().split("\n");
    expect(header).toMatch(/^time\s+user\s+address\s+app\s+action\s+detail$/);
    expect(rule).toMatch(/^[─ ]+$/);
    return lines.map((line) => line.split(/ {2,}/));
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_audit_test" });
    admin = await ensureUser(api.db, `${uniqueName("admin")}@ouro.local`, { admin: true });
    adminKey = await createApiKey(api.db, admin.id);
    app = await api.createApp(uniqueName("audited"));
    // No web dyno, whose start a config change would wait for: no dyno manager runs here.
    await api.recordDeploy(app, {}, { worker: "npm start" });
    // What the test's user changes, through the CLI, oldest first.
    for (const args of [["config:set", "FOO=1"], ["ps:scale", "worker=2"], ["access:add", admin.email]]) {
      const res = await ouro([...args, "-a", app.name]);
      expect(res.code, res.stderr).toBe(0);
    }
    // A push's entry as the git hook writes it (no builder runs here), from another address.
    const commit = "89abcdef0123456789abcdef0123456789abcdef";
    await recordAudit(api.db, { actorId: api.user.id, actor: api.user.email, action: "push", appId: app.id, app: app.name, detail: { commit }, address: "10.9.8.7" });
    // And one the admin makes, on no app.
    expect((await ouro(["users:create", `${uniqueName("new")}@ouro.local`], adminKey)).code).toBe(0);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("lists an app's entries newest first: time, user, address, app, action and what changed", async () => {
    const res = await ouro(["audit", "-a", app.name]);
    expect(res.code, res.stderr).toBe(0);
    const table = rows(res.stdout);
    expect(table.map((r) => r.slice(1))).toEqual([
      [api.user.email, "10.9.8.7", app.name, "push", "89abcde"],
      [api.user.email, "127.0.0.1", app.name, "collaborator.add", admin.email],
      [api.user.email, "127.0.0.1", app.name, "formation.update", "worker=2"],
      [api.user.email, "127.0.0.1", app.name, "config.update", "set FOO (v2)"],
    ]);
    for (const row of table) expect(row[0]).toMatch(new RegExp(`^${DATE}$`));

    const two = await ouro(["audit", "-a", app.name, "-n", "2"]);
    expect(rows(two.stdout).map((r) => r[4])).toEqual(["push", "collaborator.add"]);
  });

  it("--json prints the API's entries as they are", async () => {
    const res = await ouro(["audit", "-a", app.name, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const entries = JSON.parse(res.stdout) as AuditEntry[];
    expect(entries.map((e) => e.action)).toEqual(["push", "collaborator.add", "formation.update", "config.update"]);
    expect(entries[3]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      created_at: expect.any(String),
      action: "config.update",
      actor: { id: api.user.id, email: api.user.email },
      app: { id: app.id, name: app.name },
      address: "127.0.0.1",
      detail: { set: ["FOO"], unset: [], version: 2 },
    });
    expect(entries[2]!.detail).toEqual({ updates: [{ type: "worker", quantity: 2 }] });
  });

  it("without an app: all a user may read (not the admin's user.create), everything for an admin", async () => {
    const mine = await ouro(["audit"]);
    expect(mine.code, mine.stderr).toBe(0);
    expect(rows(mine.stdout).map((r) => r[4])).toEqual(["push", "collaborator.add", "formation.update", "config.update"]);

    const all = rows((await ouro(["audit"], adminKey)).stdout);
    expect(all[0]).toEqual([expect.stringMatching(new RegExp(`^${DATE}$`)), admin.email, "127.0.0.1", "user.create", expect.stringMatching(/^new-\w+@ouro\.local$/)]);
    expect(all.slice(1).map((r) => r[4])).toEqual(["push", "collaborator.add", "formation.update", "config.update"]);
  });

  it("inside a checkout reads that app's entries, unless --all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ouro-audit-"));
    try {
      git(dir, "init", "-q");
      git(dir, "remote", "add", "ouro", `${api.url}/${app.name}.git`);
      const here = JSON.parse((await ouro(["audit", "--json"], adminKey, dir)).stdout) as AuditEntry[];
      expect(here.map((e) => e.app?.name)).toEqual([app.name, app.name, app.name, app.name]);
      const all = JSON.parse((await ouro(["audit", "--all", "--json"], adminKey, dir)).stdout) as AuditEntry[];
      expect(all.map((e) => e.action)).toEqual(["user.create", "push", "collaborator.add", "formation.update", "config.update"]);
    } finally {
      removeDir(dir);
    }
  });

  it("shows the API's message for a count past its limit", async () => {
    const res = await ouro(["audit", "-n", "5000"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Error: limit: .*1000/);
  });
});
