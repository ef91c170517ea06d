// API keys as Heroku's OAuth authorizations, on the real API in-process (throwaway database):
// create/list/info/revoke, revoked and expired keys refused at once, read-only keys refused
// every change (git push included), and one user never seeing or revoking another's keys.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";
import type { Authorization } from "../../platform/cli/commands/authorizations/shared.ts";

describe("OAuth authorizations (API keys with scopes, expiry and revocation)", () => {
  let api: InProcessApi;
  let otherKey: string;
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-authz-data-"));

  async function call<T = Authorization>(key: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: (text ? JSON.parse(text) : null) as T & { id: string; message: string } };
  }

  const create = async (body: unknown, key = api.key) => {
    const res = await call(key, "POST", "/oauth/authorizations", body);
    expect(res.status, res.text).toBe(201);
    return { ...res.json, token: res.json.access_token.token! };
  };

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_authz_test", config: { dataDir } });
    otherKey = await createApiKey(api.db, (await ensureUser(api.db, "authz-other@ouro.local")).id);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates a key whose token is shown once, then lists and shows it without the token", async () => {
    const made = await create({ description: "ci deploys", scope: ["read"], expires_in: 3600 });
    expect(made.token).toMatch(/^ouro_[0-9a-f]{48}$/);
    expect(made).toMatchObject({ description: "ci deploys", scope: ["read"], user: { id: api.user.id, email: api.user.email } });
    expect(made.access_token.id).toBe(made.id);
    expect(made.access_token.expires_in).toBeGreaterThan(3590);
    expect(made.access_token.expires_in).toBeLessThanOrEqual(3600);

    const list = await call<Authorization[]>(api.key, "GET", "/oauth/authorizations");
    expect(list.status).toBe(200);
    expect(list.json.map((a) => a.id)).toContain(made.id);
    expect(list.json.every((a) => a.access_token.token === undefined)).toBe(true);
    expect(list.text).not.toContain(made.token);
    expect(list.text).not.toContain(api.key);
    // The key the test suite uses was made before scopes existed in spirit: it is global.
    expect(list.json.find((a) => a.id !== made.id)?.scope).toEqual(["global"]);

    const info = await call(api.key, "GET", `/oauth/authorizations/${made.id}`);
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ id: made.id, description: "ci deploys", scope: ["read"] });
    expect(info.text).not.toContain(made.token);
    expect(info.json.access_token.token).toBeUndefined();
  });

  it("defaults to a global key that does not expire, and records when a key was last used", async () => {
    const made = await create({});
    expect(made.scope).toEqual(["global"]);
    expect(made.access_token.expires_in).toBeNull();
    expect(made.last_used_at).toBeNull();
    expect((await call(made.token, "GET", "/account")).status).toBe(200);
    const info = await call(api.key, "GET", `/oauth/authorizations/${made.id}`);
    expect(info.json.last_used_at).not.toBeNull();
    // Used again within the minute: not written again.
    await call(made.token, "GET", "/account");
    expect((await call(api.key, "GET", `/oauth/authorizations/${made.id}`)).json.last_used_at).toBe(info.json.last_used_at);
  });

  it("refuses bad bodies with 422", async () => {
    for (const body of [{ scope: ["write"] }, { scope: [] }, { expires_in: 0 }, { expires_in: 1.5 }, { description: 7 }]) {
      const res = await call(api.key, "POST", "/oauth/authorizations", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.id).toBe("invalid_params");
    }
  });

  it("revokes a key: the next request with it is 401, and it is gone from the list", async () => {
    const made = await create({ description: "short-lived" });
    expect((await call(made.token, "GET", "/apps")).status).toBe(200);
    const revoked = await call(api.key, "DELETE", `/oauth/authorizations/${made.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.id).toBe(made.id);
    expect(revoked.text).not.toContain(made.token);

    const refused = await call(made.token, "GET", "/apps");
    expect(refused.status).toBe(401);
    expect(refused.json.message).toMatch(/^This API key was revoked at /);
    expect((await call(api.key, "GET", `/oauth/authorizations/${made.id}`)).status).toBe(404);
    expect((await call(api.key, "DELETE", `/oauth/authorizations/${made.id}`)).status).toBe(404);
    const list = await call<Authorization[]>(api.key, "GET", "/oauth/authorizations");
    expect(list.json.map((a) => a.id)).not.toContain(made.id);
  });

  it("refuses an expired key with 401", async () => {
    const made = await create({ expires_in: 1 });
    expect((await call(made.token, "GET", "/apps")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const refused = await call(made.token, "GET", "/apps");
    expect(refused.status).toBe(401);
    expect(refused.json.message).toMatch(/^This API key expired at .*ouro authorizations:create/);
  });

  it("a read key may GET but not change anything (403 forbidden)", async () => {
    const app = await api.createApp(uniqueName("authz"));
    const { token } = await create({ scope: ["read"] });
    expect((await call(token, "GET", `/apps/${app.name}`)).status).toBe(200);
    expect((await call(token, "GET", "/oauth/authorizations")).status).toBe(200);
    // A log session only reads the app's logs, though Heroku's API makes it with a POST.
    expect((await call(token, "POST", `/apps/${app.name}/log-sessions`, {})).status).toBe(201);
    for (const [method, path, body] of [
      ["PATCH", `/apps/${app.name}/config-vars`, { A: "1" }],
      ["POST", "/apps", {}],
      ["DELETE", `/apps/${app.name}`, undefined],
      ["POST", "/oauth/authorizations", { scope: ["global"] }],
    ] as const) {
      const res = await call(token, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.id).toBe("forbidden");
      expect(res.json.message).toMatch(/^This API key is read-only \(scope read\): /);
    }
    // Nothing changed: the app and its config are as they were.
    expect((await call<Record<string, string>>(api.key, "GET", `/apps/${app.name}/config-vars`)).json).toEqual({});
  });

  it("a read key may clone an app's repository but not push to it", async () => {
    const app = await api.createApp(uniqueName("authz-git"));
    const { token } = await create({ scope: ["read"] });
    const remote = (key: string) => `${api.url.replace("://", `://git:${key}@`)}/${app.name}.git`;
    const work = mkdtempSync(join(tmpdir(), "ouro-authz-git-"));
    try {
      await git(work, "clone", remote(token), "clone");
      const repo = join(work, "clone");
      await git(repo, "-c", "user.email=t@ouro.local", "-c", "user.name=t", "commit", "--allow-empty", "-m", "first");
      const push = await git(repo, "push", "origin", "HEAD:refs/heads/main").then(() => "pushed", (err: Error) => err.message);
      expect(push).toContain("This API key is read-only (scope read)");
      expect(push).toContain("403");
      // The same request with a global key gets past authentication (the push's first step).
      const refs = await fetch(`${api.url}/${app.name}.git/info/refs?service=git-receive-pack`, {
        headers: { authorization: `Basic ${Buffer.from(`git:${api.key}`).toString("base64")}` },
      });
      expect(refs.status).toBe(200);
      await refs.body?.cancel();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("another user can neither see nor revoke your keys (404), nor list them", async () => {
    const mine = await create({ description: "mine" });
    expect((await call(otherKey, "GET", `/oauth/authorizations/${mine.id}`)).status).toBe(404);
    expect((await call(otherKey, "DELETE", `/oauth/authorizations/${mine.id}`)).status).toBe(404);
    const theirs = await call<Authorization[]>(otherKey, "GET", "/oauth/authorizations");
    expect(theirs.json.map((a) => a.id)).not.toContain(mine.id);
    expect(theirs.json.length).toBe(1);
    expect((await call(mine.token, "GET", "/account")).status).toBe(200);
    expect((await call(api.key, "GET", "/oauth/authorizations/not-a-uuid")).status).toBe(404);
  });
});

function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args[0]} failed: ${stderr}`)) : resolve(stdout),
    );
  });
}
