// `ouro logs` and `ouro logs -t`: the real bin/ouro in a child process against the real API
// in-process (throwaway database, the platform's Redis). The API is told its own port, so the
// logplex_url it answers leads back to it, as the kernel's does.
import { execFile, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../../platform/api/index.ts";
import { redisUrl } from "../../platform/lib/config.ts";
import { appendLog } from "../../platform/logs/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));

describe("ouro logs through a log session", () => {
  let api: InProcessApi;
  let server: http.Server;
  let url = "";
  let redis: Redis;
  const env = () => ({ ...process.env, OURO_API_URL: url, OURO_API_KEY: api.key });

  function ouro(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(BIN, args, { env: env() }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_logs_test" });
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    server.on("request", createApi({ ...api.deps, config: { ...api.deps.config, apiPort: port } }));
    url = `http://127.0.0.1:${port}`;
    redis = new Redis(redisUrl(api.deps.config));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    redis?.disconnect();
    await api?.close();
  });

  it("shows the recent lines, -n and -d narrow them", async () => {
    const app = await api.createApp(uniqueName("logs"));
    for (const [dyno, line] of [["web.1", "one"], ["worker.1", "two"], ["web.1", "three"]]) {
      await appendLog(redis, app.name, { source: "app", dyno: dyno!, line: line! });
    }
    const all = await ouro("logs", "-a", app.name);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^\S+ app\[web\.1\]: one\n\S+ app\[worker\.1\]: two\n\S+ app\[web\.1\]: three\n$/);
    expect((await ouro("logs", "-a", app.name, "-n", "1")).stdout).toMatch(/^\S+ app\[web\.1\]: three\n$/);
    expect((await ouro("logs", "-a", app.name, "-d", "worker")).stdout).toMatch(/^\S+ app\[worker\.1\]: two\n$/);
    await jsonRequest({ base: url, key: api.key }, "DELETE", `/apps/${app.name}`);
  });

  it("-t follows new lines, and ends when the app is deleted", async () => {
    const app = await api.createApp(uniqueName("logs-tail"));
    const child = spawn(BIN, ["logs", "-t", "-a", app.name], { env: env() });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      // Written until the tail shows it: the CLI opens its session on its own time.
      let shown = false;
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        shown ||= stdout.includes("followed");
      });
      while (!shown) {
        await appendLog(redis, app.name, { source: "app", dyno: "web.1", line: "followed" });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect((await jsonRequest({ base: url, key: api.key }, "DELETE", `/apps/${app.name}`)).status).toBe(200);
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
  }, 30_000);
});
