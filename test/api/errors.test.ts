// The API's refusals: a status, a stable id and a message that says what to fix.
import { afterAll, describe, expect, it } from "vitest";
import { api, uniqueName } from "../support/platform.ts";

describe("API errors", () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await api("DELETE", `/apps/${name}`);
  });

  it("refuses a bad app name with 422 and the rule", async () => {
    const res = await api<{ id: string; message: string }>("POST", "/apps", { name: "Bad_Name" });
    expect(res.status).toBe(422);
    expect(res.body.id).toBe("invalid_params");
    expect(res.body.message).toContain("^[a-z][a-z0-9-]{1,29}$");
  });

  it("answers 404 for an unknown app", async () => {
    const res = await api<{ id: string; message: string }>("GET", "/apps/no-such-app-here");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ id: "not_found", message: "Couldn't find that app: no-such-app-here." });
  });

  it("answers 401 for a wrong key, without a stack trace", async () => {
    const res = await api<{ id: string; message: string }>("GET", "/apps", undefined, "wrong-key");
    expect(res.status).toBe(401);
    expect(res.body.id).toBe("unauthorized");
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it("refuses a duplicate name with 409", async () => {
    const name = uniqueName("dup");
    created.push(name);
    expect((await api("POST", "/apps", { name })).status).toBe(201);
    const again = await api<{ id: string }>("POST", "/apps", { name });
    expect(again.status).toBe(409);
  });

  it("refuses to scale a process type the app does not have", async () => {
    const name = uniqueName("scale");
    created.push(name);
    await api("POST", "/apps", { name });
    const res = await api<{ message: string }>("PATCH", `/apps/${name}/formation`, { updates: [{ type: "web", quantity: 2 }] });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("No such process type web");
  });

  it("creates, shows and lists an app in Heroku's shape", async () => {
    const name = uniqueName("shape");
    created.push(name);
    const res = await api<Record<string, unknown>>("POST", "/apps", { name });
    expect(res.body).toMatchObject({ name, git_url: `http://127.0.0.1:5000/${name}.git`, stack: { name: "bookworm" } });
    const list = await api<{ name: string }[]>("GET", "/apps");
    expect(list.body.map((a) => a.name)).toContain(name);
    const config = await api("PATCH", `/apps/${name}/config-vars`, { GREETING: "hi" });
    expect(config.body).toEqual({ GREETING: "hi" });
    const releases = await api<{ version: number; description: string }[]>("GET", `/apps/${name}/releases`);
    expect(releases.body.at(-1)).toMatchObject({ version: 1, description: "Set GREETING config vars" });
  });
});
