// Two users on one Ouro, as they would try it: the admin makes them with `ouro users:create`,
// the first deploys an app, and the second can neither see, read, scale, configure, push to,
// run a dyno in nor read the logs of it (404 each) until `ouro access:add`, and again cannot
// after `access:remove`. Keys: a revoked one is refused at once, a read-only one reads but does
// not change, and the cron service's own key (from its config) changes no user's app nor reads
// the builder's config. `ouro audit` lists the push, the config change and the scale with who
// made them and from where.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiPort, apiUrl, checkout, git, jsonRequest, ouro, removeDir, uniqueName } from "../support/platform.ts";

const app = uniqueName("access");
const owner = `${uniqueName("owner")}@example.com`;
const other = `${uniqueName("other")}@example.com`;
let ownerKey = "";
let otherKey = "";
let dir = "";

const KEY = /ouro_[0-9a-f]{48}/;
const NOT_FOUND = `Couldn't find that app: ${app}.`;

function newUser(email: string): string {
  const made = ouro(["users:create", email]);
  expect(made.code, made.stderr).toBe(0);
  const key = KEY.exec(made.stdout)?.[0];
  expect(key, made.stdout).toBeDefined();
  return key!;
}

/** A push of the checkout's main with `key`; the same commit again is "Everything up-to-date". */
const pushAs = (key: string) => git(dir, "push", `http://user:${key}@127.0.0.1:${apiPort}/${app}.git`, "main");

/** What the second user can do with the app, each through the CLI or git like a user would. */
function asOther() {
  return {
    list: ouro(["apps"], undefined, otherKey),
    info: ouro(["apps:info", "-a", app], undefined, otherKey),
    config: ouro(["config:set", "FROM_OTHER=1", "-a", app], undefined, otherKey),
    scale: ouro(["ps:scale", "worker=1", "-a", app], undefined, otherKey),
    run: ouro(["run:detached", "-a", app, "true"], undefined, otherKey),
    logs: ouro(["logs", "-a", app, "-n", "5"], undefined, otherKey),
    push: pushAs(otherKey),
  };
}

describe("two users, one app: access, keys and the audit trail", () => {
  beforeAll(() => {
    ownerKey = newUser(owner);
    otherKey = newUser(other);
    expect(ouro(["apps:create", app], undefined, ownerKey).code).toBe(0);
    dir = checkout("cron-app", app);
    const push = pushAs(ownerKey);
    expect(push.code, push.output).toBe(0);
  }, 180_000);
  afterAll(() => {
    ouro(["apps:destroy", "-a", app, "--confirm", app], undefined, ownerKey);
    for (const email of [owner, other]) ouro(["users:remove", email, "--confirm", email]);
    removeDir(dir);
  });

  it("keeps a second user out (404 everywhere) until added, and out again once removed", () => {
    const outside = (what: string) => {
      const tried = asOther();
      expect(tried.list.code, what).toBe(0);
      expect(tried.list.stdout, what).not.toContain(app);
      for (const [name, result] of Object.entries({ info: tried.info, config: tried.config, scale: tried.scale, run: tried.run, logs: tried.logs })) {
        expect(result.code, `${what}: ${name}`).not.toBe(0);
        expect(result.stderr, `${what}: ${name}`).toContain(NOT_FOUND);
      }
      expect(tried.push.code, what).not.toBe(0);
      expect(tried.push.output, what).toMatch(/not found/);
    };
    outside("before access:add");

    const add = ouro(["access:add", other, "-a", app], undefined, ownerKey);
    expect(add.code, add.stderr).toBe(0);
    const listed = ouro(["access", "-a", app], undefined, otherKey);
    expect(listed.stdout).toMatch(new RegExp(`${owner}\\s+owner`));
    expect(listed.stdout).toMatch(new RegExp(`${other}\\s+collaborator`));
    const inside = asOther();
    for (const [name, result] of Object.entries(inside)) {
      expect(result.code, `${name}: ${"stderr" in result ? result.stderr : result.output}`).toBe(0);
    }
    expect(inside.list.stdout).toContain(app);
    expect(inside.info.stdout).toContain(owner);
    // A collaborator neither shares nor destroys the app.
    expect(ouro(["access:add", owner, "-a", app], undefined, otherKey).code).not.toBe(0);
    const destroy = ouro(["apps:destroy", "-a", app, "--confirm", app], undefined, otherKey);
    expect(destroy.stderr).toContain(`Only the owner of ${app}`);

    expect(ouro(["access:remove", other, "-a", app], undefined, ownerKey).code).toBe(0);
    outside("after access:remove");
  }, 120_000);

  it("refuses a revoked key at once; a read-only key reads and changes nothing", () => {
    const made = ouro(["authorizations:create", "--description", "e2e", "--scope", "read"], undefined, ownerKey);
    expect(made.code, made.stderr).toBe(0);
    const readKey = KEY.exec(made.stdout)![0];
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(made.stdout)![0];
    expect(ouro(["apps:info", "-a", app], undefined, readKey).code).toBe(0);
    const change = ouro(["config:set", "X=1", "-a", app], undefined, readKey);
    expect(change.code).not.toBe(0);
    expect(change.stderr).toContain("read-only");
    expect(pushAs(readKey).code).not.toBe(0);

    expect(ouro(["authorizations:revoke", id], undefined, ownerKey).code).toBe(0);
    const after = ouro(["apps:info", "-a", app], undefined, readKey);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain("revoked");
  }, 60_000);

  it("contains the key in cron's environment: no change to a user's app, no reading the builder's config", async () => {
    const cronKey = ouro(["config:get", "OURO_API_KEY", "-a", "cron"]).stdout.trim();
    expect(cronKey).toMatch(KEY);
    const asCron = (method: string, path: string, body?: unknown) => jsonRequest<{ message: string }>({ base: apiUrl, key: cronKey }, method, path, body);
    expect((await asCron("PATCH", `/apps/${app}/config-vars`, { EVIL: "1" })).status).toBe(403);
    expect((await asCron("PATCH", `/apps/${app}/formation/worker`, { quantity: 3 })).status).toBe(403);
    expect((await asCron("GET", "/apps/builder/config-vars")).status).toBe(403);
    expect((await asCron("DELETE", `/apps/${app}`)).status).toBe(403);
    // Its one change: an app's own scheduled command as a scheduler dyno; anything else is refused.
    const other = await asCron("POST", `/apps/${app}/dynos`, { command: "env", type: "scheduler" });
    expect(other.status).toBe(403);
    expect((await asCron("GET", "/cron-schedules")).status).toBe(200);
  });

  it("shows the push, the config change and the scale in ouro audit, with the user and address", () => {
    const trail = ouro(["audit", "-a", app, "--json"], undefined, ownerKey);
    expect(trail.code, trail.stderr).toBe(0);
    const entries = JSON.parse(trail.stdout) as { action: string; actor: { email: string }; address: string }[];
    const find = (action: string, email: string) => entries.find((e) => e.action === action && e.actor.email === email);
    expect(find("push", owner)).toMatchObject({ address: "127.0.0.1" });
    expect(find("config.update", other)).toMatchObject({ address: "127.0.0.1" });
    expect(find("formation.update", other)).toMatchObject({ address: "127.0.0.1" });
    expect(find("collaborator.add", owner)).toBeDefined();
    expect(find("collaborator.remove", owner)).toBeDefined();
    // Newest first: the removal came after the push.
    expect(entries.findIndex((e) => e.action === "collaborator.remove")).toBeLessThan(entries.findIndex((e) => e.action === "push"));
    const table = ouro(["audit", "-a", app], undefined, ownerKey);
    expect(table.stdout).toMatch(new RegExp(`${other}\\s+127\\.0\\.0\\.1`));
    // The second user, outside again, cannot read it.
    expect(ouro(["audit", "-a", app], undefined, otherKey).stderr).toContain(NOT_FOUND);
  });
});
