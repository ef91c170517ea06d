// A list longer than the API's page (200) reaches the CLI whole: the real bin/ouro against the real
// API in-process follows `Next-Range` to the last page, and the API pages by the Range it is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, createRelease } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { runOuro } from "../support/cli.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

describe("lists in pages", () => {
  let api: InProcessApi;
  let app: AppRow;
  const RELEASES = 230;

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_pages_test" });
    app = await api.createApp(uniqueName("paged"));
    // No web dyno, so each release is current at once (no dyno manager runs here).
    await api.recordDeploy(app, {}, { worker: "npm start" });
    for (let i = 2; i <= RELEASES; i++) {
      await createRelease(api.db, { appId: app.id, configChanges: { N: String(i) }, description: `Set N to ${i}`, userId: api.user.id });
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it("the API answers 206 with Next-Range until the last page, which has none", async () => {
    const first = await fetch(`${api.url}/apps/${app.name}/releases`, { headers: { Authorization: `Bearer ${api.key}` } });
    expect(first.status).toBe(206);
    expect(first.headers.get("accept-ranges")).toBe("version, id");
    expect(first.headers.get("next-range")).toBe("version ]200..; max=200, order=asc");
    expect(((await first.json()) as unknown[]).length).toBe(200);
    const last = await fetch(`${api.url}/apps/${app.name}/releases`, { headers: { Authorization: `Bearer ${api.key}`, Range: first.headers.get("next-range")! } });
    expect(last.status).toBe(200);
    expect(last.headers.get("next-range")).toBeNull();
    expect(((await last.json()) as { version: number }[]).map((r) => r.version)).toEqual(Array.from({ length: 30 }, (_, i) => 201 + i));
    // What heroku's CLI asks for on config:set: the newest one.
    const newest = await jsonRequest<{ version: number }[]>({ base: api.url, key: api.key }, "GET", `/apps/${app.name}/releases`);
    expect(newest.body.length).toBe(200);
  });

  it("ouro asks for the page it shows, or reads every page", async () => {
    const newest = await runOuro(["releases", "-a", app.name, "-n", "3", "--json"], { url: api.url, key: api.key });
    expect(newest.code, newest.stderr).toBe(0);
    expect((JSON.parse(newest.stdout) as { version: number }[]).map((r) => r.version)).toEqual([RELEASES, RELEASES - 1, RELEASES - 2]);
    // releases:rollback reads them all to find the one before the current one.
    const back = await runOuro(["releases:rollback", "-a", app.name], { url: api.url, key: api.key });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain(`Rolling back ${app.name} to v${RELEASES - 1}... done, v${RELEASES + 1}`);
  });
});
