// `ouro access`, `access:add`, `access:remove` and `apps:transfer`: the real bin/ouro in a child
// process against the real API in-process (throwaway database), as the app's owner, a
// collaborator, and a user who is neither.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, type User, createApiKey, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { runOuro } from "../support/cli.ts";
import { git, removeDir, uniqueName } from "../support/platform.ts";

interface Collaborator {
  user: { email: string };
  role: string;
}

describe("access and apps:transfer", () => {
  let api: InProcessApi;
  let other: User;
  let otherKey: string;
  const ouro = (args: string[], key = api.key, cwd?: string) => runOuro(args, { url: api.url, key, cwd });

  /** `email  role` rows of `ouro access`, after its heading and header. */
  async function accessList(app: string): Promise<string[][]> {
    const res = await ouro(["access", "-a", app]);
    expect(res.code, res.stderr).toBe(0);
    const [heading, header, rule, ...rows] = res.stdout.trimEnd().split("\n");
    expect(heading).toBe(`=== ${app} Access List`);
    expect(header).toMatch(/^email\s+role$/);
    expect(rule).toMatch(/^─+\s+─+$/);
    return rows.map((row) => row.split(/\s+/));
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_access_test" });
    other = await ensureUser(api.db, `${uniqueName("other")}@ouro.local`);
    otherKey = await createApiKey(api.db, other.id);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("adds a collaborator, who may then use the app but not share it, and removes them", async () => {
    const app = (await api.createApp(uniqueName("shared"))).name;
    expect(await accessList(app)).toEqual([[api.user.email, "owner"]]);
    expect((await ouro(["config", "-a", app], otherKey)).stderr).toContain(`Couldn't find that app: ${app}.`);

    const added = await ouro(["access:add", other.email, "-a", app]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`Adding ${other.email} access to the app ${app}... done`);
    expect(await accessList(app)).toEqual([[api.user.email, "owner"], [other.email, "collaborator"]]);
    const json = JSON.parse((await ouro(["access", "-a", app, "--json"])).stdout) as Collaborator[];
    expect(json.map((c) => [c.user.email, c.role])).toEqual([[api.user.email, "owner"], [other.email, "collaborator"]]);

    // The collaborator reaches the app, but sharing it is the owner's.
    expect((await ouro(["config", "-a", app], otherKey)).code).toBe(0);
    const shares = await ouro(["access:add", api.user.email, "-a", app], otherKey);
    expect(shares.code).toBe(1);
    expect(shares.stderr).toContain(`Error: Only the owner of ${app} (${api.user.email}) or an admin may add collaborators; you are a collaborator.`);

    const twice = await ouro(["access:add", other.email, "-a", app]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`Error: ${other.email} is already a collaborator on ${app}.`);
    const nobody = await ouro(["access:add", "nobody@ouro.local", "-a", app]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("Error: There is no user nobody@ouro.local on this Ouro");

    const removed = await ouro(["access:remove", other.email, "-a", app]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain(`Removing ${other.email} access from the app ${app}... done`);
    expect(await accessList(app)).toEqual([[api.user.email, "owner"]]);
    expect((await ouro(["config", "-a", app], otherKey)).code).toBe(1);
    const gone = await ouro(["access:remove", other.email, "-a", app]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`Error: ${other.email} is not a collaborator on ${app}.`);
  });

  it("finds the app from the checkout's ouro remote, as the other app commands do", async () => {
    const app = (await api.createApp(uniqueName("checkout"))).name;
    const dir = mkdtempSync(join(tmpdir(), "ouro-access-"));
    try {
      git(dir, "init", "-q");
      git(dir, "remote", "add", "ouro", `${api.url}/${app}.git`);
      expect((await ouro(["access:add", other.email], api.key, dir)).stderr).toContain(`to the app ${app}... done`);
      const list = await ouro(["access"], api.key, dir);
      expect(list.stdout).toContain(`=== ${app} Access List`);
      expect(list.stdout).toMatch(new RegExp(`^${other.email.replace(/\./g, "\\.")}\\s+collaborator$`, "m"));
    } finally {
      removeDir(dir);
    }
  });

  it("apps:transfer gives the app away at once; the previous owner stays as a collaborator", async () => {
    const app: AppRow = await api.createApp(uniqueName("given"));
    const moved = await ouro(["apps:transfer", other.email, "-a", app.name]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain(`Transferring ${app.name} to ${other.email}... done`);
    expect(moved.stderr).toContain(`${api.user.email} stays on ${app.name} as a collaborator`);
    expect(await accessList(app.name)).toEqual([[other.email, "owner"], [api.user.email, "collaborator"]]);
    expect(JSON.parse((await ouro(["apps:info", "-a", app.name, "--json"], otherKey)).stdout).app.owner.email).toBe(other.email);

    // Now a collaborator, the previous owner may not give it back; the new owner may.
    const back = await ouro(["apps:transfer", api.user.email, "-a", app.name]);
    expect(back.code).toBe(1);
    expect(back.stderr).toContain(`Transferring ${app.name} to ${api.user.email}... failed`);
    expect(back.stderr).toContain(`Error: Only the owner of ${app.name} (${other.email}) or an admin may transfer it; you are a collaborator.`);
    expect((await ouro(["apps:transfer", api.user.email, "-a", app.name], otherKey)).code).toBe(0);
    expect(await accessList(app.name)).toEqual([[api.user.email, "owner"], [other.email, "collaborator"]]);

    const nobody = await ouro(["apps:transfer", "nobody@ouro.local", "-a", app.name]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("Error: There is no user nobody@ouro.local on this Ouro");
  });
});
