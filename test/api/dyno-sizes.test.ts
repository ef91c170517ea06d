// Dyno sizes through the real API (in-process, on a throwaway database): set by any case or
// short name and stored canonical, answered on formation, dynos and one-off dynos, refused when
// unknown or bigger than the host; a resize is announced like a scale (the dyno manager replaces
// dynos of another size), never as a restart of every dyno.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import type { AppRow } from "../../platform/db/index.ts";
import { recordDynos } from "../../platform/db/index.ts";
import { RESTART_CHANNEL } from "../../platform/lib/channels.ts";
import { redisUrl } from "../../platform/lib/config.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface Body {
  id?: string;
  message?: string;
  type?: string;
  name?: string;
  size?: string;
  quantity?: number;
}

describe("dyno sizes", () => {
  let api: InProcessApi;
  let app: AppRow;
  const servers: Server[] = [];
  let smallUrl: string;
  let bigUrl: string;
  const call = (method: string, path: string, body?: unknown, base = api.url) =>
    jsonRequest<Body & Body[]>({ base, key: api.key }, method, path, body);

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_sizes_test" });
    app = await api.createApp(uniqueName("sizes"));
    await api.recordDeploy(app, {}, { web: "serve", worker: "work" });
    // The same API on a host of 1 GB (standard-2X fits exactly, performance-M does not) and
    // on one of 64 GB, whatever memory this machine has.
    smallUrl = await serve(1024);
    bigUrl = await serve(65536);
  });
  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await api?.close();
  });

  async function serve(hostMemoryMb: number): Promise<string> {
    const server = createApi({ ...api.deps, limits: { hostMemoryMb } }).listen(0, "127.0.0.1");
    servers.push(server);
    await new Promise((resolve) => server.once("listening", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("starts every process type at standard-1X", async () => {
    const res = await call("GET", `/apps/${app.name}/formation`);
    expect(res.body.map((f) => [f.type, f.size])).toEqual([["web", "standard-1X"], ["worker", "standard-1X"]]);
  });

  it.each([
    ["2X", "standard-2X"],
    ["standard-2x", "standard-2X"],
    ["PERFORMANCE-m", "performance-M"],
    ["pl", "performance-L"],
    ["Standard-1X", "standard-1X"],
  ])("stores size %s as %s (batch update, quantity untouched)", async (given, stored) => {
    const res = await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "worker", size: given }] }, bigUrl);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject([{ type: "worker", size: stored, quantity: 0 }]);
    expect((await call("GET", `/apps/${app.name}/formation/worker`)).body.size).toBe(stored);
  });

  it("sets quantity and size in one call on a single process type", async () => {
    const res = await call("PATCH", `/apps/${app.name}/formation/web`, { quantity: 2, size: "2x" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: "web", quantity: 2, size: "standard-2X" });
    const back = await call("PATCH", `/apps/${app.name}/formation/web`, { quantity: 1, size: "1X" });
    expect(back.body).toMatchObject({ quantity: 1, size: "standard-1X" });
  });

  it("refuses an unknown size with a 422 that lists the sizes, and changes nothing", async () => {
    const res = await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "web", quantity: 3, size: "huge" }] });
    expect(res.status).toBe(422);
    expect(res.body.id).toBe("invalid_params");
    expect(res.body.message).toBe(
      'There is no dyno size "huge". Sizes: standard-1X (512 MB), standard-2X (1024 MB), performance-M (2560 MB), performance-L (14336 MB).',
    );
    expect((await call("GET", `/apps/${app.name}/formation/web`)).body).toMatchObject({ quantity: 1, size: "standard-1X" });
  });

  it("refuses an update with neither quantity nor size", async () => {
    const res = await call("PATCH", `/apps/${app.name}/formation`, { updates: [{ type: "web" }] });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("give a quantity, a size or both");
  });

  it("refuses a size the host cannot hold, naming the size, what it needs and what the host has", async () => {
    const res = await call("PATCH", `/apps/${app.name}/formation/web`, { size: "performance-m" }, smallUrl);
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      "This host cannot run performance-M dynos: one needs 2560 MB of memory and the host has 1024 MB. Sizes that fit: standard-1X, standard-2X.",
    );
    const run = await call("POST", `/apps/${app.name}/dynos`, { command: "true", size: "PL" }, smallUrl);
    expect(run.status).toBe(422);
    expect(run.body.message).toContain("This host cannot run performance-L dynos");
    const fits = await call("PATCH", `/apps/${app.name}/formation/web`, { size: "2X" }, smallUrl);
    expect(fits.body.size).toBe("standard-2X");
    await call("PATCH", `/apps/${app.name}/formation/web`, { size: "1X" });
  });

  it("tells the dyno manager of a resize, which replaces the dynos, and restarts nothing itself", async () => {
    const sub = new Redis(redisUrl(api.deps.config));
    const restarts: string[] = [];
    sub.on("message", (_channel: string, name: string) => void restarts.push(name));
    await sub.subscribe(RESTART_CHANNEL);
    try {
      const before = api.notified.length;
      await call("PATCH", `/apps/${app.name}/formation/worker`, { size: "performance-M" }, bigUrl);
      expect(api.notified.slice(before)).toEqual([app.name]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(restarts).not.toContain(app.name);
    } finally {
      sub.disconnect();
      await call("PATCH", `/apps/${app.name}/formation/worker`, { size: "standard-2X" });
    }
  });

  it("starts a one-off dyno of the size asked for, standard-1X by default", async () => {
    const sized = await call("POST", `/apps/${app.name}/dynos`, { command: "echo hi", size: "2x" });
    expect(sized.status).toBe(201);
    expect(sized.body.size).toBe("standard-2X");
    expect((await call("GET", `/apps/${app.name}/dynos/${sized.body.id}`)).body.size).toBe("standard-2X");
    const plain = await call("POST", `/apps/${app.name}/dynos`, { command: "echo hi" });
    expect(plain.body.size).toBe("standard-1X");
    const unknown = await call("POST", `/apps/${app.name}/dynos`, { command: "echo hi", size: "tiny" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toContain('There is no dyno size "tiny"');
  });

  it("answers each dyno's size: its process type's, or its one-off run's", async () => {
    await call("PATCH", `/apps/${app.name}/formation/web`, { size: "performance-M" }, bigUrl);
    const run = await call("POST", `/apps/${app.name}/dynos`, { command: "sleep 1", size: "2X" });
    const record = (name: string, type: string, i: number) => ({
      app_id: app.id, name, type, release_version: 1, container_id: `${app.name}-container-${i}`,
      command: "x", state: "up" as const, port: null, created_at: new Date(), size: null, generation: 0, run_id: null,
    });
    await recordDynos(api.db, app.id, [record("web.1", "web", 1), record("worker.1", "worker", 2), record(run.body.name!, "run", 3)]);
    const dynos = (await call("GET", `/apps/${app.name}/dynos`)).body;
    expect(dynos.map((d) => [d.name, d.size])).toEqual([
      [run.body.name, "standard-2X"],
      ["web.1", "performance-M"],
      ["worker.1", "standard-2X"],
    ]);
    expect((await call("GET", `/apps/${app.name}/dynos/web.1`)).body.size).toBe("performance-M");
  });
});
