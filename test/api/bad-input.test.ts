// Bad input never gets a 500: whatever a client sends in a path, a query or a body, the
// real API (in-process, on a throwaway database) answers a 4xx that says what is wrong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface ErrorBody {
  id: string;
  message: string;
}

describe("bad input", () => {
  let api: InProcessApi;
  const app = uniqueName("input");
  const call = (method: string, path: string, body?: unknown) => jsonRequest<ErrorBody>({ base: api.url, key: api.key }, method, path, body);

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_input_test" });
    await api.recordDeploy(await api.createApp(app), {}, { web: "serve" });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("refuses a config var value with a NUL byte with a 422 that names the var, and changes nothing", async () => {
    const res = await call("PATCH", `/apps/${app}/config-vars`, { GOOD: "yes", SECRET_TOKEN: "abc\u0000def" });
    expect(res.status).toBe(422);
    expect(res.body.id).toBe("invalid_params");
    expect(res.body.message).toContain("SECRET_TOKEN");
    expect(res.body.message).toContain("NUL byte");
    expect((await jsonRequest({ base: api.url, key: api.key }, "GET", `/apps/${app}/config-vars`)).body).toEqual({});
  });

  it("refuses a config var name that is not a variable name, naming it", async () => {
    const res = await call("PATCH", `/apps/${app}/config-vars`, { "1BAD-NAME": "x" });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('Config var name "1BAD-NAME" is invalid: use letters, digits and "_", not starting with a digit.');
  });

  it("refuses a config var value over 32 KB, naming it", async () => {
    const res = await call("PATCH", `/apps/${app}/config-vars`, { BIG: "x".repeat(33 * 1024) });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/^Config var BIG is 33792 bytes; a value may be at most 32768 bytes\.$/);
  });

  it.each([
    ["GET", "/apps/a%00b"],
    ["GET", "/apps/a%00b/config-vars"],
    ["GET", `/apps/${app}/releases/%00`],
    ["GET", `/apps/${app}/builds/%00`],
    ["GET", `/apps/${app}/slugs/%00`],
    ["GET", `/apps/${app}/addons/%00`],
    ["GET", `/apps/${app}/dynos/%00`],
    ["GET", `/apps/${app}/releases/v99999999999`],
    ["GET", `/apps/${app}/releases/${"-".repeat(36)}`],
    ["GET", `/apps/${app}/addons/${"-".repeat(36)}`],
    ["GET", `/apps/${"-".repeat(36)}`],
    ["GET", `/apps/${app}/dynos/${"0".repeat(36)}`],
    ["GET", `/apps/${app}/slugs/not-a-slug`],
    ["GET", `/apps/${app}/builds/not-a-build`],
  ])("%s %s answers 404, not 500", async (method, path) => {
    const res = await call(method, path);
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.id).toBe("not_found");
  });

  it.each([
    ["POST", "/apps", { name: "bad\u0000name" }],
    ["POST", `/apps/${app}/dynos`, { command: "echo \u0000" }],
    ["POST", `/apps/${app}/dynos`, { command: "env", env: { "A\u0000": "1" } }],
    ["POST", `/apps/${app}/dynos`, { command: "env", env: { A: "1\u0000" } }],
    ["POST", `/apps/${app}/dynos`, { command: 42 }],
    ["POST", `/apps/${app}/dynos`, { command: "env", type: "../../etc" }],
    ["PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity: "many" }] }],
    ["PATCH", `/apps/${app}/formation`, { updates: [{ type: "web\u0000", quantity: 1 }] }],
    ["PATCH", `/apps/${app}/formation`, { updates: [{ type: "web", quantity: 1e12 }] }],
    ["PATCH", `/apps/${app}/formation/web`, { quantity: -1 }],
    ["PATCH", `/apps/${app}/config-vars`, ["not", "an", "object"]],
    ["PATCH", `/apps/${app}/config-vars`, { A: 1 }],
    ["PUT", `/apps/${app}/buildpack-installations`, { updates: [{ buildpack: "nodejs\u0000" }] }],
    ["PUT", `/apps/${app}/buildpack-installations`, { updates: "nodejs" }],
    ["POST", `/apps/${app}/addons`, { plan: "postgres\u0000" }],
    ["POST", `/apps/${app}/addons`, { plan: ["postgres"] }],
    ["POST", `/apps/${app}/log-sessions`, { lines: "lots", dyno: "\u0000" }],
  ])("%s %s %j answers 4xx, not 500", async (method, path, body) => {
    const res = await call(method, path, body);
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
    expect(res.body.message).toEqual(expect.any(String));
  });

  it("answers a body that is not JSON with 400", async () => {
    const res = await fetch(`${api.url}/apps`, {
      method: "POST",
      headers: { Authorization: `Bearer ${api.key}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).id).toBe("bad_request");
  });
});
