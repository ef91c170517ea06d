// git smart HTTP takes any client's bytes: a body that is not gzip though it says so, or
// that is not a pack at all, ends that one request; the API goes on (an uncaught stream
// error here would end the test process, and vitest fails the run).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { uniqueName } from "../support/platform.ts";

describe("git smart HTTP with a hostile body", () => {
  let api: InProcessApi;
  const app = uniqueName("git");
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-git-data-"));

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_git_test", config: { dataDir } });
    await api.createApp(app);
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/${app}.git/git-receive-pack`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`git:${api.key}`).toString("base64")}`,
        "Content-Type": "application/x-git-receive-pack-request",
        ...headers,
      },
      body: new Uint8Array(body),
    }).then(
      async (res) => ({ status: res.status, text: await res.text().catch(() => "") }),
      // The API may close the connection before the client has sent all of a bad body.
      (error: Error & { cause?: { code?: string } }) => ({ status: error.cause?.code === "ECONNRESET" ? 0 : -1, text: error.message }),
    );

  /** A GET on a connection of its own (fetch's pool may hand out one the API just reset). */
  const freshGet = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const auth = `Basic ${Buffer.from(`git:${api.key}`).toString("base64")}`;
      http.get(`${api.url}${path}`, { agent: false, headers: { Authorization: auth } }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      }).on("error", reject);
    });

  it("ends a request whose gzip body is not gzip, and keeps serving", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await post(Buffer.from("this is not gzip at all"), { "Content-Encoding": "gzip" });
      expect([0, 200]).toContain(res.status); // git's answer had begun, or the connection closed
      await expect
        .poll(() => errors.mock.calls.map((call) => String(call[0])))
        .toContain(`git git-receive-pack for ${app}: the request body could not reach git: incorrect header check`);
    } finally {
      errors.mockRestore();
    }
    expect((await freshGet("/healthz")).status).toBe(200);
  });

  it("ends a request whose body is no pack, and keeps serving", async () => {
    const res = await post(randomBytes(512 * 1024));
    expect([0, 200]).toContain(res.status);
    expect((await freshGet("/healthz")).status).toBe(200);
    const refs = await freshGet(`/${app}.git/info/refs?service=git-receive-pack`);
    expect(refs.status).toBe(200);
    expect(refs.body).toContain("# service=git-receive-pack");
  });
});
