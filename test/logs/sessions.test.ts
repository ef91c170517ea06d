// Log sessions through the real API in-process (throwaway database, the platform's Redis): a
// logplex_url names its app by id and expires; the API's clock is the test's, so nothing sleeps.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import { createApiKey, ensureUser } from "../../platform/db/index.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { appendLog, LOG_SESSION_TTL_MS } from "../../platform/logs/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest } from "../support/platform.ts";

interface Session {
  id: string;
  logplex_url: string;
  created_at: string;
  updated_at: string;
}

/** A GET of a logplex_url (its path and query) on `base`, read as it streams. */
function openStream(base: string, logplexUrl: string) {
  const url = new URL(logplexUrl);
  let text = "";
  const waiters: (() => void)[] = [];
  let close = () => {};
  const response = new Promise<{ status: number; ended: Promise<string> }>((resolve, reject) => {
    const req = http.get(`${base}${url.pathname}${url.search}`, { agent: false }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        for (const wake of waiters.splice(0)) wake();
      });
      resolve({ status: res.statusCode ?? 0, ended: new Promise((done) => res.on("end", () => done(text))) });
    });
    req.on("error", reject);
    close = () => req.destroy();
  });
  const until = async (fragment: string) => {
    while (!text.includes(fragment)) await new Promise<void>((wake) => waiters.push(wake));
  };
  return { response, until, text: () => text, close: () => close() };
}

describe("log sessions: short-lived, bound to the app's id", () => {
  const suffix = randomBytes(4).toString("hex");
  let api: InProcessApi;
  let server: Server;
  let base = "";
  let redis: Redis;
  // The API's clock: moved on by the tests, never waited for.
  let clock = new Date();
  const call = <T>(method: string, path: string, body?: unknown) => jsonRequest<T>({ base, key: api.key }, method, path, body);
  const session = async (app: string, body: Record<string, unknown> = {}) => {
    const made = await call<Session>("POST", `/apps/${app}/log-sessions`, body);
    expect(made.status).toBe(201);
    return made.body;
  };
  const get = async (logplexUrl: string) => {
    const stream = openStream(base, logplexUrl);
    const { status, ended } = await stream.response;
    return { status, text: await ended };
  };
  const say = (app: string, line: string) => appendLog(redis, app, { source: "app", dyno: "web.1", line });
  const names: string[] = [];
  const newApp = async (label: string) => {
    const name = `logs-${label}-${suffix}`;
    names.push(name);
    await api.createApp(name);
    return name;
  };

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_log_sessions_test" });
    server = createApi({ ...api.deps, clock: () => clock }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    redis = new Redis(redisUrl(loadConfig()));
  });

  afterAll(async () => {
    for (const name of names) await call("DELETE", `/apps/${name}`).catch(() => {});
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    redis?.disconnect();
    await api?.close();
  });

  it("answers Heroku's shape, and a fresh URL streams the app's lines", async () => {
    const app = await newApp("fresh");
    await say(app, "first line");
    await say(app, "second line");
    const made = await session(app, { lines: 10 });
    expect(Object.keys(made).sort()).toEqual(["created_at", "id", "logplex_url", "updated_at"]);
    expect(made.logplex_url).toContain(`/log-streams/${made.id}?`);
    const { status, text } = await get(made.logplex_url);
    expect(status).toBe(200);
    expect(text).toMatch(/^\S+ app\[web\.1\]: first line\n\S+ app\[web\.1\]: second line\n$/);
  });

  it("opens until its expiry and is refused from then on, saying to ask for a new one", async () => {
    const app = await newApp("expiry");
    await say(app, "a line");
    const made = await session(app);
    const start = clock;
    try {
      clock = new Date(start.getTime() + LOG_SESSION_TTL_MS - 1);
      expect((await get(made.logplex_url)).status).toBe(200);
      clock = new Date(start.getTime() + LOG_SESSION_TTL_MS);
      const refused = await get(made.logplex_url);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.text)).toEqual({ id: "forbidden", message: "This log session has expired: ask for a new one (ouro logs)." });
    } finally {
      clock = start;
    }
  });

  it("refuses a URL whose app id or signature was altered", async () => {
    const mine = await newApp("mine");
    const other = await newApp("other");
    await say(other, "the other app's secret");
    const made = new URL((await session(mine)).logplex_url);
    const otherId = new URL((await session(other)).logplex_url).searchParams.get("app_id")!;
    const swapped = new URL(made);
    swapped.searchParams.set("app_id", otherId);
    const forged = new URL(made);
    const token = forged.searchParams.get("token")!;
    forged.searchParams.set("token", `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`);
    for (const url of [swapped, forged]) {
      const refused = await get(url.toString());
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).message).toBe("This log session URL is not valid: ask for a new one (ouro logs).");
    }
  });

  it("after the app is deleted and its name taken by a new app, the old URL shows nothing of it (404)", async () => {
    const name = await newApp("reborn");
    await say(name, "the old app's line");
    const old = await session(name);
    expect((await call("DELETE", `/apps/${name}`)).status).toBe(200);
    await api.createApp(name);
    await say(name, "the new app's line");
    const refused = await get(old.logplex_url);
    expect(refused.status).toBe(404);
    expect(refused.text).not.toContain("the new app's line");
    expect(JSON.parse(refused.text).message).toBe("The app of this log session no longer exists: it was deleted.");
    // The new app's line is there for the new app's own session: the 404 above hid something.
    expect((await get((await session(name)).logplex_url)).text).toContain("the new app's line");
  });

  it("a tail opened in time goes on past the expiry, and ends when its app is deleted", async () => {
    const name = await newApp("tail");
    const start = clock;
    const stream = openStream(base, (await session(name, { tail: true })).logplex_url);
    try {
      expect((await stream.response).status).toBe(200);
      clock = new Date(start.getTime() + 2 * LOG_SESSION_TTL_MS);
      await say(name, "after the expiry");
      await stream.until("after the expiry");
      expect((await call("DELETE", `/apps/${name}`)).status).toBe(200);
      await api.createApp(name);
      await say(name, "the new app's line");
      // Ends by itself: the API checks between reads (at least every 5 s) that the app still exists.
      const text = await (await stream.response).ended;
      expect(text).toContain("after the expiry");
      expect(text).not.toContain("the new app's line");
    } finally {
      clock = start;
      stream.close();
    }
  }, 20_000);

  it("is its user's: a collaborator's URL and tail stop once they are removed from the app", async () => {
    const name = await newApp("shared");
    const helper = await ensureUser(api.db, `logs-helper-${suffix}@example.com`);
    const helperKey = await createApiKey(api.db, helper.id);
    expect((await call("POST", `/apps/${name}/collaborators`, { user: helper.email })).status).toBe(201);
    const asHelper = await jsonRequest<{ logplex_url: string }>({ base, key: helperKey }, "POST", `/apps/${name}/log-sessions`, { tail: true });
    const unopened = await jsonRequest<{ logplex_url: string }>({ base, key: helperKey }, "POST", `/apps/${name}/log-sessions`, {});
    const stream = openStream(base, asHelper.body.logplex_url);
    try {
      expect((await stream.response).status).toBe(200);
      await say(name, "while shared");
      await stream.until("while shared");
      expect((await call("DELETE", `/apps/${name}/collaborators/${helper.email}`)).status).toBe(200);
      await say(name, "after the removal");
      // Ends by itself: the API checks between reads that the user still reaches the app.
      const text = await (await stream.response).ended;
      expect(text).not.toContain("after the removal");
      const refused = await get(unopened.body.logplex_url);
      expect(refused.status).toBe(404);
      expect(JSON.parse(refused.text).message).toBe("This log session's user can no longer read this app's logs.");
    } finally {
      stream.close();
    }
  }, 20_000);
});
