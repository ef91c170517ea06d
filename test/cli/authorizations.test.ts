// `ouro authorizations`, `:create`, `:info`, `:revoke`: the real bin/ouro in a child process
// against the real API in-process (throwaway database).
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessApi, inProcessApi } from "../support/api.ts";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("authorizations commands", () => {
  let api: InProcessApi;

  function ouro(args: string[], key = api.key): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(BIN, args, { env: { ...process.env, OURO_API_URL: api.url, OURO_API_KEY: key, TZ: "UTC" } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    api = await inProcessApi({ prefix: "ouro_cli_authz_test" });
  });
  afterAll(async () => {
    await api?.close();
  });

  it("creates a read key that expires, prints its token and id once; list and info never show the token", async () => {
    const made = await ouro(["authorizations:create", "--scope", "read", "--expires-in", "7200", "--description", "dashboard"]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain("Creating OAuth Authorization... done");
    const token = made.stdout.match(/^Token:\s+(ouro_[0-9a-f]{48})$/m)?.[1];
    const id = made.stdout.match(new RegExp(`^ID:\\s+(${UUID})$`, "m"))?.[1];
    expect(token).toBeDefined();
    expect(id).toBeDefined();
    expect(made.stdout).toMatch(/^Scope:\s+read$/m);
    expect(made.stdout).toMatch(/^Expires:\s+\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \(in 2h\)$/m);
    expect(made.stdout).toMatch(/^Description:\s+dashboard$/m);

    // The new key works, read-only: listing is a GET, creating is refused with the API's message.
    expect((await ouro(["authorizations"], token)).code).toBe(0);
    const refused = await ouro(["authorizations:create"], token!);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("This API key is read-only (scope read)");

    const list = await ouro(["authorizations"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^id\s+description\s+scope\s+expires\s+last used$/);
    expect(lines.find((l) => l.startsWith(id!))).toMatch(/^\S+\s+dashboard\s+read\s+in 2h\s+\d+s ago$/);
    expect(list.stdout).not.toContain(token);

    const info = await ouro(["authorizations:info", id!]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`^ID:\\s+${id}$`, "m"));
    expect(info.stdout).not.toMatch(/^Token:/m);
    expect(info.stdout).not.toContain(token);

    const json = JSON.parse((await ouro(["authorizations", "--json"])).stdout) as { id: string; scope: string[]; access_token: object }[];
    expect(json.find((a) => a.id === id)).toMatchObject({ scope: ["read"], access_token: { id } });
    expect(JSON.stringify(json)).not.toContain(token);
  });

  it("revokes a key: the CLI with it is refused from then on", async () => {
    const made = await ouro(["authorizations:create", "--json"]);
    const auth = JSON.parse(made.stdout) as { id: string; scope: string[]; access_token: { token: string } };
    expect(auth.scope).toEqual(["global"]);
    expect((await ouro(["apps"], auth.access_token.token)).code).toBe(0);

    const revoked = await ouro(["authorizations:revoke", auth.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toContain(`Revoking OAuth Authorization ${auth.id}... done`);
    const after = await ouro(["apps"], auth.access_token.token);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("This API key was revoked at");
    expect((await ouro(["authorizations:info", auth.id])).stderr).toContain("Couldn't find that authorization");
  });

  it("refuses a scope it does not know before calling the API", async () => {
    const res = await ouro(["authorizations:create", "--scope", "admin"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("expected one of global, read");
  });
});
