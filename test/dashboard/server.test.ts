// The dashboard's server in-process against the real API in-process (throwaway database): a form
// or a fetch from another app's page is refused, a hostile value is escaped wherever it shows,
// a config value is in no page unless asked for, and a revoked key signs its session out.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard } from "../../apps/dashboard/server.ts";
import { type AppRow, createApiKey, createRelease, endRelease, revokeApiKey, findApiKey } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";

describe("the dashboard's server", () => {
  let api: InProcessApi;
  let app: AppRow;
  let server: Server;
  let base = "";
  let cookie = "";

  /**
   * A request as a browser on the dashboard's own page sends it, unless `headers` say otherwise
   * (node:http: fetch would put its own Sec-Fetch-Mode in).
   */
  const request = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: () => Promise<string> }>((resolve, reject) => {
      const headers = {
        cookie,
        "sec-fetch-site": "same-origin",
        "sec-fetch-mode": "navigate",
        "sec-fetch-dest": "document",
        ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        ...init.headers,
      };
      const req = http.request(`${base}${path}`, { method: init.method ?? "GET", headers }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: async () => body }));
      });
      req.on("error", reject);
      req.end(init.body);
    });

  async function signIn(key: string): Promise<string> {
    const response = await request("/sign-in", { method: "POST", body: `key=${encodeURIComponent(key)}` });
    expect(response.status).toBe(303);
    return (response.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_dashboard_test" });
    app = await api.createApp(uniqueName("dash"));
    await api.recordDeploy(app, {}, { web: "node web.js" });
    server = createDashboard({ apiUrl: api.url, secret: "test-secret" }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cookie = await signIn(api.key);
  });
  afterAll(async () => {
    server?.close();
    await api?.close();
  });

  it("refuses a form posted from another app's page, by a redirect (Origin null), or with no Origin at all", async () => {
    const cases: Record<string, string>[] = [{ "sec-fetch-site": "same-site", origin: "http://evil.localhost:8080" }, { origin: "null" }, {}];
    for (const headers of cases) {
      const response = await fetch(`${base}/apps/${app.name}/formation`, {
        method: "POST",
        redirect: "manual",
        body: "type=web&quantity=0&confirmed=yes",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
    }
    const formation = (await (await fetch(`${api.url}/apps/${app.name}/formation`, { headers: { authorization: `Bearer ${api.key}` } })).json()) as unknown[];
    expect(formation).toContainEqual(expect.objectContaining({ type: "web", quantity: 1 }));
  });

  it("refuses another app's page's fetch or image of its pages and streams", async () => {
    const response = await request(`/apps/${app.name}/logs/stream`, { headers: { "sec-fetch-site": "same-site", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" } });
    expect(response.status).toBe(403);
  });

  it("escapes a hostile value wherever it shows", async () => {
    const release = await createRelease(api.db, { appId: app.id, configChanges: { X: "1" }, description: "Set X", userId: null, status: "deploying" });
    expect(await endRelease(api.db, release.id, { from: "deploying", status: "failed", message: '<img src=x onerror="alert(1)">' })).toBe(true);
    for (const path of [`/apps/${app.name}`, `/apps/${app.name}/releases`]) {
      const page = await (await request(path)).text();
      expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
      expect(page).not.toContain("<img src=x");
    }
  });

  it("puts a config value in no page until it is asked for", async () => {
    await fetch(`${api.url}/apps/${app.name}/config-vars`, { method: "PATCH", headers: { authorization: `Bearer ${api.key}`, "content-type": "application/json" }, body: JSON.stringify({ TOKEN: "very-secret-7" }) });
    expect(await (await request(`/apps/${app.name}/config`)).text()).not.toContain("very-secret-7");
    expect(await (await request(`/apps/${app.name}/config?reveal=TOKEN`)).text()).toContain("very-secret-7");
    const one = await request(`/apps/${app.name}/config/TOKEN`, { headers: { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" } });
    expect(await one.text()).toBe("very-secret-7");
    expect(one.headers["cache-control"]).toBe("no-store");
  });

  it("signs out a session whose key was revoked: a page goes to sign-in, a script's request gets 401", async () => {
    const key = await createApiKey(api.db, api.user.id, { description: "to revoke" });
    cookie = await signIn(key);
    expect((await request("/")).status).toBe(200);
    const found = await findApiKey(api.db, key);
    await revokeApiKey(api.db, api.user.id, found!.id);
    const page = await request("/");
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe("/sign-in");
    const fragment = await request("/fragments/apps", { headers: { "sec-fetch-mode": "cors", "sec-fetch-dest": "empty" } });
    expect(fragment.status).toBe(401);
  });
});
