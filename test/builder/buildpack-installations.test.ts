// An app's buildpack list end to end on the kernel side: the real CLI → the API (in-process, on
// its own database in Ouro's PostgreSQL) → appBuildpacks(), what the build job carries.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appBuildpacks, createApiKey, createApp, type Db, ensureUser } from "../../platform/db/index.ts";
import { type InProcessApi, inProcessApi } from "../support/api.ts";
import { throwawayDatabase } from "../support/database.ts";
import { jsonRequest } from "../support/platform.ts";
import { parseBuildpackRef as builderParse } from "../../apps/builder/index.ts";
import { ACCEPTED, REFUSED, TOO_LONG } from "../lib/buildpack-ref-cases.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("buildpack installations (API, CLI, appBuildpacks)", () => {
  let database: Awaited<ReturnType<typeof throwawayDatabase>> | undefined;
  let db: Db;
  let api: InProcessApi;
  let url = "";
  let key = "";
  let appId = "";

  beforeAll(async () => {
    database = await throwawayDatabase("ouro_buildpacks_test");
    db = database.db;
    const user = await ensureUser(db, "buildpacks-test@ouro.local");
    key = await createApiKey(db, user.id);
    appId = (await createApp(db, { name: "shop", ownerId: user.id })).id;
    api = await inProcessApi({ db });
    url = api.url;
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  // Asynchronous: the API answering it runs in this very process.
  function ouro(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const env = { ...process.env, OURO_API_URL: url, OURO_API_KEY: key };
      execFile(join(repoRoot, "bin", "ouro"), [...args, "-a", "shop"], { cwd: repoRoot, env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  }

  const call = (method: string, body?: unknown) => jsonRequest({ base: url, key }, method, "/apps/shop/buildpack-installations", body);

  it("replaces and lists the list in Heroku's shapes, refusing what is not a buildpack", async () => {
    const put = await call("PUT", { updates: [{ buildpack: "nodejs" }, { buildpack: "https://bp.example.com/bp.git#v2" }] });
    expect(put).toEqual({
      status: 200,
      body: [
        { ordinal: 0, buildpack: { url: "nodejs", name: "nodejs" } },
        { ordinal: 1, buildpack: { url: "https://bp.example.com/bp.git#v2", name: "https://bp.example.com/bp.git#v2" } },
      ],
    });
    expect((await call("GET")).body).toEqual(put.body);
    expect(await appBuildpacks(db, appId)).toEqual(["nodejs", "https://bp.example.com/bp.git#v2"]);

    const bad = await call("PUT", { updates: [{ buildpack: "../etc" }] });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ id: "invalid_params", message: expect.stringContaining('"../etc" is not a buildpack name') });
    expect((await call("PUT", { updates: [{ buildpack: "static" }, { buildpack: "static" }] })).status).toBe(422);
    expect(await appBuildpacks(db, appId)).toEqual(["nodejs", "https://bp.example.com/bp.git#v2"]);
    expect((await call("PUT", { updates: [] })).body).toEqual([]);
    expect(await appBuildpacks(db, appId)).toEqual([]);
  });

  // What the builder would do with the reference: undefined when it reads it, else its message.
  function builderRefusal(ref: string): string | undefined {
    try {
      builderParse(ref);
      return undefined;
    } catch (error) {
      expect((error as Error).name).toBe("BuildError");
      return (error as Error).message;
    }
  }

  it("refuses exactly the references the builder refuses, with the builder's message", async () => {
    const refs = [...ACCEPTED.map(([ref]) => ref), ...REFUSED.map(([ref]) => ref), TOO_LONG, " nodejs"];
    let accepted = 0;
    try {
      for (const ref of refs) {
        const refusal = builderRefusal(ref);
        const answer = await call("PUT", { updates: [{ buildpack: ref }] });
        if (refusal === undefined) {
          accepted++;
          expect(answer, ref).toMatchObject({ status: 200, body: [{ ordinal: 0, buildpack: { url: ref } }] });
          expect(await appBuildpacks(db, appId)).toEqual([ref]);
        } else if (ref.includes("\0")) {
          // The API's edge refuses a NUL byte in any field before a route looks at it.
          expect(answer, ref).toMatchObject({ status: 422, body: { id: "invalid_params", message: expect.stringMatching(/^updates\.0\.buildpack contains a NUL byte/) } });
        } else {
          expect(answer, ref).toEqual({ status: 422, body: { id: "invalid_params", message: refusal } });
        }
      }
      expect(accepted).toBe(ACCEPTED.length);

      // The CLI shows the API's message as it is.
      for (const ref of ["/srv/bp.git", "https://bp.example.com/bp.tgz#v1", "foo.git"]) {
        expect(await ouro("buildpacks:set", ref)).toMatchObject({ code: 1, stderr: `Error: ${builderRefusal(ref)}\n` });
      }
    } finally {
      await call("PUT", { updates: [] });
    }
  });

  it("set, add, remove, clear and show, worded as heroku's CLI", async () => {
    expect((await ouro("buildpacks")).stdout).toBe("shop has no Buildpack URL set.\n");
    expect((await ouro("buildpacks:set", "nodejs")).stdout).toBe(
      "Buildpack set. Next release on shop will use nodejs.\nRun git push ouro main to create a new release using this buildpack.\n",
    );
    expect((await ouro("buildpacks:add", "static")).stdout).toBe(
      "Buildpack added. Next release on shop will use:\n  1. nodejs\n  2. static\nRun git push ouro main to create a new release using these buildpacks.\n",
    );
    await ouro("buildpacks:add", "-i", "1", "procfile");
    expect((await ouro("buildpacks")).stdout).toBe("=== shop Buildpack URLs\n1. procfile\n2. nodejs\n3. static\n");
    await ouro("buildpacks:set", "-i", "2", "https://bp.example.com/bp.tgz");
    expect(JSON.parse((await ouro("buildpacks", "--json")).stdout)).toEqual([
      { ordinal: 0, buildpack: { url: "procfile", name: "procfile" } },
      { ordinal: 1, buildpack: { url: "https://bp.example.com/bp.tgz", name: "https://bp.example.com/bp.tgz" } },
      { ordinal: 2, buildpack: { url: "static", name: "static" } },
    ]);
    expect(await ouro("buildpacks:add", "static")).toMatchObject({ code: 1, stderr: "Error: The buildpack static is already set on your app.\n" });
    expect(await ouro("buildpacks:set", "-i", "0", "nodejs")).toMatchObject({ code: 1 });
    expect((await ouro("buildpacks:remove", "-i", "1")).stdout).toContain("Buildpack removed. Next release on shop will use:\n  1. https://bp.example.com/bp.tgz\n  2. static\n");
    expect((await ouro("buildpacks:clear")).stdout).toBe("Buildpacks cleared. Next release on shop will detect buildpacks normally.\n");
    expect((await ouro("buildpacks")).stdout).toBe("shop has no Buildpack URL set.\n");
  });
});
