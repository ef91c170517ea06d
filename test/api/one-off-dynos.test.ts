// POST /apps/:app/dynos as heroku's CLI sends it (attach, force_no_tty, env with the terminal's
// COLUMNS and LINES as numbers, time_to_live), through the real API in-process on a throwaway
// database: the attach_url with a fresh secret, given once and kept hashed, the certificate's
// fingerprint to pin, the terminal's size taken out of the env, the time limit; the cron key
// may not attach; a resize goes to the dyno manager on its channel, only for a terminal.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppRow, getRun } from "../../platform/db/index.ts";
import { RESIZE_CHANNEL } from "../../platform/lib/channels.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { ensureRendezvousCert } from "../../platform/lib/rendezvous-cert.ts";
import { type RunResource, hashAttachSecret, parseAttachUrl } from "../../platform/lib/run-contract.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { jsonRequest, uniqueName } from "../support/platform.ts";

interface Answer extends Partial<RunResource> {
  message?: string;
}

describe("one-off dynos through the API", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ouro-one-off-api-"));
  let api: InProcessApi;
  let url = "";
  let app: AppRow;
  let fingerprint = "";
  const call = (method: string, path: string, body?: unknown) => jsonRequest<Answer>({ base: url, key: api.key }, method, path, body);

  beforeAll(async () => {
    fingerprint = ensureRendezvousCert(dataDir).fingerprint;
    api = await inProcessApi({ prefix: "ouro_one_off_test", config: { dataDir, rendezvousPort: 5999 }, limits: { maxOneOffDynos: 20 } });
    url = api.url;
    app = await api.createApp(uniqueName("oneoff"));
    await api.recordDeploy(app, {}, { worker: "work" });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("attaches as heroku's CLI asks: a rendezvous URL with a fresh secret, kept only hashed, and the certificate to pin", async () => {
    const made = await call("POST", `/apps/${app.name}/dynos`, {
      command: "bash",
      attach: true,
      env: { TERM: "xterm-256color", COLUMNS: 91, LINES: 33 },
      size: "standard-1X",
    });
    expect(made.status).toBe(201);
    const target = parseAttachUrl(made.body.attach_url!);
    expect(target).toMatchObject({ host: "127.0.0.1", port: 5999 });
    expect(made.body).toMatchObject({ name: "run.1", state: "starting", attach_fingerprint: fingerprint, time_to_live: 86400, expires_at: null });
    const row = await getRun(api.db, made.body.id!);
    expect(row).toMatchObject({ attach: true, tty: true, tty_columns: 91, tty_lines: 33, env: { TERM: "xterm-256color" } });
    expect(row.attach_secret_hash).toEqual(hashAttachSecret(target!.secret));
    expect(row.attach_deadline!.getTime() - row.created_at.getTime()).toBe(60_000);
    // Never again: not in its GET, not in the list.
    expect((await call("GET", `/apps/${app.name}/dynos/${made.body.id}`)).body.attach_url).toBeNull();
    // Another run, another secret.
    const other = await call("POST", `/apps/${app.name}/dynos`, { command: "bash", attach: true });
    expect(parseAttachUrl(other.body.attach_url!)!.secret).not.toBe(target!.secret);
  });

  it("without a terminal (force_no_tty) keeps the env as it is; a detached run has no attach_url; time_to_live is its limit", async () => {
    const plain = await call("POST", `/apps/${app.name}/dynos`, { command: "cat", attach: true, force_no_tty: true, env: { COLUMNS: 80, LINES: 24 }, time_to_live: 90 });
    expect(plain.status).toBe(201);
    expect(await getRun(api.db, plain.body.id!)).toMatchObject({ tty: false, env: { COLUMNS: "80", LINES: "24" }, time_to_live: 90 });
    const detached = await call("POST", `/apps/${app.name}/dynos`, { command: "sleep 1" });
    expect(detached.body).toMatchObject({ attach_url: null, time_to_live: 86400 });
    expect("attach_fingerprint" in detached.body).toBe(false);
    const bad = await call("POST", `/apps/${app.name}/dynos`, { command: "sleep 1", time_to_live: 86401 });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/^time_to_live: /);
  });

  it("resizes only an attached dyno's terminal, on the dyno manager's channel", async () => {
    const tty = await call("POST", `/apps/${app.name}/dynos`, { command: "bash", attach: true });
    const plain = await call("POST", `/apps/${app.name}/dynos`, { command: "cat", attach: true, force_no_tty: true });
    const listener = new Redis(redisUrl(loadConfig()));
    const messages: string[] = [];
    try {
      await listener.subscribe(RESIZE_CHANNEL);
      listener.on("message", (_channel: string, message: string) => messages.push(message));
      expect((await call("POST", `/apps/${app.name}/dynos/${tty.body.id}/actions/resize`, { columns: 120, lines: 40 })).status).toBe(202);
      const refused = await call("POST", `/apps/${app.name}/dynos/${plain.body.id}/actions/resize`, { columns: 120, lines: 40 });
      expect(refused.status).toBe(422);
      expect((await call("POST", `/apps/${app.name}/dynos/${tty.body.id}/actions/resize`, { columns: 0, lines: 40 })).status).toBe(422);
      expect((await call("POST", `/apps/${app.name}/dynos/run.1/actions/resize`, { columns: 10, lines: 10 })).status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(messages.map((m) => JSON.parse(m))).toEqual([{ runId: tty.body.id, columns: 120, lines: 40 }]);
    } finally {
      listener.disconnect();
    }
  });

  it("says when the rendezvous server is not there yet (no certificate), rather than attach nowhere", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ouro-no-rendezvous-"));
    const other = await api.listen({ dataDir: empty });
    try {
      const answer = await jsonRequest<Answer>({ base: other.url, key: api.key }, "POST", `/apps/${app.name}/dynos`, { command: "bash", attach: true });
      expect(answer.status).toBe(503);
      expect(answer.body.message).toContain("rendezvous server");
    } finally {
      await other.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
