// `ouro users`, `users:create` and `users:remove`: the real bin/ouro in a child process against
// the real API in-process (throwaway database), as an admin and as a user who is not one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { runOuro } from "../support/cli.ts";
import { uniqueName } from "../support/platform.ts";

const DATE = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("users commands", () => {
  let api: InProcessApi;
  let adminKey: string;
  const ouro = (args: string[], key = adminKey) => runOuro(args, { url: api.url, key });

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_users_test" });
    const admin = await ensureUser(api.db, `${uniqueName("admin")}@ouro.local`, { admin: true });
    adminKey = await createApiKey(api.db, admin.id);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("an admin creates a user: their API key is printed once and works; users lists them without it", async () => {
    const email = `${uniqueName("dev")}@ouro.local`;
    const made = await ouro(["users:create", email]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain(`Creating user ${email}... done`);
    expect(made.stderr).toContain("not shown again");
    expect(made.stdout).toMatch(new RegExp(`^Email:\\s+${escape(email)}$`, "m"));
    expect(made.stdout).toMatch(/^Admin:\s+no$/m);
    const key = made.stdout.match(/^API key:\s+(ouro_[0-9a-f]{48})$/m)?.[1];
    expect(key).toBeDefined();

    // The key is the new user's: they have no apps, and they are no admin.
    const theirs = await ouro(["apps"], key);
    expect(theirs.code, theirs.stderr).toBe(0);
    expect(theirs.stdout).toBe("You have no apps.\n");

    const list = await ouro(["users"]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^email\s+admin\s+apps\s+created$/);
    expect(lines.find((l) => l.startsWith(`${email} `))).toMatch(new RegExp(`^${escape(email)}\\s+no\\s+0\\s+${DATE}$`));
    expect(lines.find((l) => l.startsWith(`${api.user.email} `))).toMatch(/\s+no\s+0\s+/);
    expect(list.stdout).toMatch(/^admin-\S+@ouro\.local\s+yes\s+0\s+/m);
    expect(list.stdout).not.toContain(key);

    const json = JSON.parse((await ouro(["users", "--json"])).stdout) as { email: string; admin: boolean; apps: number }[];
    expect(json.find((u) => u.email === email)).toEqual(expect.objectContaining({ email, admin: false, apps: 0 }));
    expect(JSON.stringify(json)).not.toContain(key);

    const again = await ouro(["users:create", email]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error: A user with email ${email} already exists.`);
  });

  it("users:remove wants --confirm with the same email, refuses a user who owns an app with the API's message, then removes", async () => {
    const email = `${uniqueName("leaver")}@ouro.local`;
    const key = JSON.parse((await ouro(["users:create", email, "--json"])).stdout).api_key as string;
    const app = uniqueName("leaver-app");
    expect((await ouro(["apps:create", app], key)).code).toBe(0);
    expect((await ouro(["users"])).stdout).toMatch(new RegExp(`^${escape(email)}\\s+no\\s+1\\s+`, "m"));

    const unconfirmed = await ouro(["users:remove", email]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain(`To proceed, run: ouro users:remove ${email} --confirm ${email}`);
    const mismatched = await ouro(["users:remove", email, "--confirm", "someone@else"]);
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain(`confirmation "someone@else" did not match ${email}; nothing was removed.`);
    expect((await ouro(["apps"], key)).code).toBe(0);

    const owner = await ouro(["users:remove", email, "--confirm", email]);
    expect(owner.code).toBe(1);
    expect(owner.stderr).toContain(`Removing user ${email}... failed`);
    expect(owner.stderr).toContain(`Error: ${email} still owns ${app}: transfer each (ouro apps:transfer) or destroy it first.`);

    expect((await ouro(["apps:transfer", api.user.email, "-a", app], key)).code).toBe(0);
    const removed = await ouro(["users:remove", email, "--confirm", email]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stderr).toContain(`Removing user ${email}... done`);
    expect((await ouro(["users"])).stdout).not.toContain(email);
    // Their key went with them.
    const after = await ouro(["apps"], key);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^Error: /);
  });

  it("refuses a user who is no admin, with the API's message, and changes nothing", async () => {
    const list = await ouro(["users"], api.key);
    expect(list.code).toBe(1);
    expect(list.stderr).toBe("Error: Only an admin may manage users.\n");
    expect(list.stdout).toBe("");

    const email = `${uniqueName("sneaky")}@ouro.local`;
    const create = await ouro(["users:create", email], api.key);
    expect(create.code).toBe(1);
    expect(create.stderr).toContain("Error: Only an admin may manage users.");
    expect(create.stdout).not.toMatch(/API key/);
    expect((await ouro(["users"])).stdout).not.toContain(email);

    const remove = await ouro(["users:remove", api.user.email, "--confirm", api.user.email], api.key);
    expect(remove.code).toBe(1);
    expect(remove.stderr).toContain("Error: Only an admin may manage users.");
    expect((await ouro(["users"])).stdout).toContain(api.user.email);
  });
});
