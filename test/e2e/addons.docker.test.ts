// Add-ons as apps on the platform: the postgres and redis providers are deployed
// system apps; an app gets DATABASE_URL / REDIS_URL, writes and reads through them,
// and another app's credentials cannot reach its data. Each test makes the add-ons it
// needs itself (or finds them made), so the tests run alone or in any order.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, checkout, git, ouro, removeDir, uniqueName, viaRouter } from "../support/platform.ts";

const first = uniqueName("addon-a");
const second = uniqueName("addon-b");
let dir = "";

const configOf = async (app: string) => (await api<Record<string, string>>("GET", `/apps/${app}/config-vars`)).body;

/** The app's postgres add-on's DATABASE_URL, made now unless an earlier test made it. */
async function withPostgres(app: string): Promise<string> {
  const existing = (await configOf(app)).DATABASE_URL;
  if (existing) return existing;
  const created = ouro(["addons:create", "postgres", "-a", app]);
  expect(created.code, created.stderr).toBe(0);
  return (await configOf(app)).DATABASE_URL!;
}

describe("add-ons", () => {
  beforeAll(async () => {
    for (const app of [first, second]) expect(ouro(["apps:create", app]).code).toBe(0);
    dir = checkout("addon-app", first);
    const push = git(dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
  }, 300_000);
  afterAll(() => {
    for (const app of [first, second]) ouro(["apps:destroy", "-a", app, "--confirm", app]);
    removeDir(dir);
  });

  it("addons:create postgres sets DATABASE_URL with a new release, and the app writes and reads a row", async () => {
    expect(await withPostgres(first)).toMatch(/^postgres:\/\/addon_[0-9a-f]+:.+@ouro-host:\d+\/addon_[0-9a-f]+$/);
    const res = await viaRouterAfterRelease(first, "/postgres");
    expect(res).toMatch(/^postgres ok: 1 row\(s\), last "written by web\.1"/);
  }, 120_000);

  it("another app's add-on credentials cannot log in to this app's database", async () => {
    const mine = new URL(await withPostgres(first));
    const theirs = new URL(await withPostgres(second));
    const intruder = new pg.Client({
      host: "127.0.0.1",
      port: Number(mine.port),
      database: mine.pathname.slice(1),
      user: decodeURIComponent(theirs.username),
      password: decodeURIComponent(theirs.password),
    });
    await expect(intruder.connect()).rejects.toThrow(/permission denied for database|no pg_hba.conf entry|not permitted/);
    await intruder.end().catch(() => {});
  }, 60_000);

  it("addons:create redis sets REDIS_URL, limited to its own key prefix", async () => {
    expect(ouro(["addons:create", "redis", "-a", first]).code).toBe(0);
    expect((await configOf(first)).REDIS_URL).toMatch(/^redis:\/\/addon_[0-9a-f]+:.+@ouro-host:\d+$/);
    expect(await viaRouterAfterRelease(first, "/redis")).toMatch(/^redis ok: hello from web\.\d/);
  }, 120_000);

  it("addons:destroy removes the add-on and its config vars", async () => {
    await withPostgres(second);
    const list = await api<{ name: string; addon_service: { name: string } }[]>("GET", `/apps/${second}/addons`);
    const name = list.body.find((a) => a.addon_service.name === "postgres")!.name;
    expect(ouro(["addons:destroy", name, "-a", second, "--confirm", second]).code).toBe(0);
    expect((await configOf(second)).DATABASE_URL).toBeUndefined();
  }, 60_000);
});

/** The add-on's release restarts the dynos; ask until the new ones answer. */
async function viaRouterAfterRelease(app: string, path: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  let last = "";
  while (Date.now() < deadline) {
    const res = await viaRouter(app, path).catch(() => undefined);
    last = res?.body ?? "";
    if (res?.status === 200) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no 200 from ${app}${path}: ${last}`);
}
