// A build runs code its operator did not write. This app's build script
// (test/fixtures/hostile-build/probe.js) reads every process's environment, searches every file
// it can read for credentials, scans the network, tries the kernel's Redis and PostgreSQL and
// the Docker socket, rewrites the builder's own buildpacks and leaves a process behind. The
// push output shows what it found: its own build's credential and the API, nothing else, and
// nothing it did outlives its build dyno.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dataDirFrom } from "../../platform/lib/config.ts";
import { buildScope, scopedToken } from "../../platform/lib/tokens.ts";
import { api, apiKey, apiUrl, appWithCheckout, eventually, git, jsonRequest, pushChange } from "../support/platform.ts";

const fixture = appWithCheckout("hostile", "hostile-build");
const secrets = () => JSON.parse(readFileSync(join(dataDirFrom(process.env), "secrets.json"), "utf8")) as Record<string, string>;

/** What one push of the probe showed. */
function probed(push: { code: number | null; output: string }) {
  // The buildpack indents a build script's output: `remote:        probe <what>: <found>`.
  const found = (what: string) =>
    new RegExp(`^remote:\\s+probe ${what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: (.*?)\\s*$`, "m").exec(push.output)?.[1];
  const buildId = /Build (\S+) queued for the builder/.exec(push.output)?.[1] ?? "";
  const env = (name: string) => new RegExp(`^remote:\\s+probe env \\d+: ${name}=(\\S+)\\s*$`, "m").exec(push.output)?.[1] ?? "";
  return { ...push, found, buildId, token: env("OURO_BUILD_TOKEN"), standby: { run: env("OURO_STANDBY_RUN"), token: env("OURO_STANDBY_TOKEN") } };
}

/**
 * The build's credential as its build could get it: from its environment, or, in a standby build
 * dyno (started before its build), from the API with the standby's own credential.
 */
async function buildToken(probe: ReturnType<typeof probed>): Promise<string> {
  if (probe.token) return probe.token;
  expect(probe.standby.run, "neither a build's nor a standby's credential in the build's environment").not.toBe("");
  const answer = await jsonRequest<{ buildId: string; token: string }>({ base: apiUrl, key: probe.standby.token }, "GET", `/internal/standbys/${probe.standby.run}/build`);
  expect(answer.body.buildId).toBe(probe.buildId);
  return answer.body.token;
}

/** Posts a build result with a build's credential, as a build dyno (or whoever has its token) would. */
async function postResult(buildId: string, token: string, result: unknown) {
  const answer = await jsonRequest<{ message: string }>({ base: apiUrl, key: token }, "POST", `/internal/builds/${buildId}/result`, result);
  return { status: answer.status, body: JSON.stringify(answer.body) };
}

const releases = async (app: string) => (await api<{ version: number; current: boolean }[]>("GET", `/apps/${app}/releases`)).body;

describe("a hostile build", () => {
  let first: ReturnType<typeof probed>;

  beforeAll(() => {
    first = probed(git(fixture.dir, "push", "ouro", "main"));
  }, 300_000);

  it("builds, and its output shows what it probed", () => {
    expect(first.code, first.output).toBe(0);
    expect(Number(first.found("files read")), first.output).toBeGreaterThan(1000);
    expect(first.buildId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("finds no credential of the platform's, in any process's environment or any file: only its own build's", async () => {
    const platform = [
      ...Object.values(secrets()),
      apiKey(),
      ...Object.values((await api<Record<string, string>>("GET", "/apps/builder/config-vars")).body),
      ...Object.values((await api<Record<string, string>>("GET", "/apps/cron/config-vars")).body),
      ...Object.values((await api<Record<string, string>>("GET", "/apps/postgres/config-vars")).body),
      ...Object.values((await api<Record<string, string>>("GET", "/apps/redis/config-vars")).body),
    ].filter((value) => value.length >= 16 && !value.startsWith("http://ouro-host"));
    expect(platform.length).toBeGreaterThan(10);
    for (const secret of platform) expect(first.output.includes(secret), `a platform secret in the push output: ${secret.slice(0, 6)}…`).toBe(false);

    const names = (first.found("env names") ?? "").split(" ");
    expect(names).toContain("OURO_BUILD_TOKEN");
    for (const name of ["REDIS_URL", "DATABASE_URL", "OURO_BUILDER_TOKEN", "OURO_API_KEY", "OURO_PROVIDER_SECRET", "POSTGRES_ADMIN_URL", "REDIS_ADMIN_URL"]) {
      expect(names).not.toContain(name);
    }
    // The one credential it holds is its own build's.
    expect(first.token).toBe(scopedToken(secrets().tokenSecret!, buildScope(first.buildId)));
  });

  it("reaches the API and nothing else: not the kernel's Redis or PostgreSQL, the router, another dyno or the Docker socket", () => {
    expect(first.found("open")).toBe("ouro-host:5000 172.17.0.1:5000");
    for (const host of ["ouro-host", "172.17.0.1"]) {
      for (const port of [6390, 5439, 8080]) expect(first.found(`connect ${host}:${port}`)).toMatch(/^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|timeout)$/);
    }
    expect(first.found("socket /var/run/docker.sock")).toBe("absent");
    expect(first.found("socket /run/docker.sock")).toBe("absent");
  });

  it("cannot change the builder's files, and leaves nothing behind: its dyno and processes are gone, and the next build runs the builder's own buildpacks", async () => {
    // Its dyno runs the builder's slug mounted read-only; it could start a process there.
    expect(first.found("rewrote")).toBeUndefined();
    expect(first.found("could not rewrite")).toMatch(/^\/app\/buildpacks\/nodejs\/bin\/compile: (EROFS|EACCES)$/);
    expect(first.found("left behind")).toMatch(/^pid \d+$/);
    await eventually("the build dyno gone", async () => {
      const left = execFileSync("docker", ["ps", "-aq", "--filter", `label=ouro.build=${first.buildId}`], { encoding: "utf8" }).trim();
      return left === "" ? true : undefined;
    }, 60_000);
    const next = pushChange(fixture.dir, {
      from: "main",
      message: "a second build",
      change: (dir) => execFileSync("touch", [join(dir, "second")]),
    });
    expect(next.code, next.output).toBe(0);
    expect(next.output).toContain("-----> Node.js app detected");
    expect(next.output).not.toContain("PWNED");
    // Its build cache on this host is its app's alone: the first build found it new, the next one
    // finds what the first left (a successful build's), and no other app's builds were in it.
    // (`work-<build id>`: the build's own work dir, on the cache's file system, gone with its dyno;
    // `layers`: the Node.js runtime the first build packed, which the next one need not pack again.)
    const second = probed(next);
    expect(first.found("cache")).toBe(`build-${first.buildId} work-${first.buildId}`);
    expect(second.found("cache")).toBe(`build-${second.buildId} layers planted work-${second.buildId}`);
    expect(next.output).toContain("Restored node_modules from the build cache");
  }, 300_000);

  it("cannot replay a result with its credential once its build succeeded or failed: refused, and no release is made", async () => {
    const app = fixture.name;
    const current = (await releases(app)).find((r) => r.current)!;
    const slug = (await api<{ slug: { id: string } }>("GET", `/apps/${app}/releases/${current.version}`)).body.slug;
    const { checksum } = (await api<{ checksum: string }>("GET", `/apps/${app}/slugs/${slug.id}`)).body;
    const result = { status: "succeeded", checksum, processTypes: { worker: "sleep 3600" }, buildpackDescription: "Node.js", stack: "bookworm" };

    // After success.
    expect(await postResult(first.buildId, first.token, result)).toMatchObject({ status: 403 });

    // After failure: a build that fails on purpose, its token taken from its own output.
    expect((await api("PATCH", `/apps/${app}/config-vars`, { PROBE_FAIL: "1" })).status).toBe(200);
    try {
      const failed = probed(pushChange(fixture.dir, { from: "main", message: "a failing build", change: (dir) => execFileSync("touch", [join(dir, "failing")]) }));
      expect(failed.code, failed.output).not.toBe(0);
      expect(failed.found("failing")).toBe("on purpose");
      // Whichever dyno served it (a standby one, maybe), no secret of the platform's was in reach.
      for (const secret of Object.values(secrets()).filter((v) => v.length >= 16)) expect(failed.output.includes(secret)).toBe(false);
      const token = await buildToken(failed);
      expect(token).toBe(scopedToken(secrets().tokenSecret!, buildScope(failed.buildId)));
      const before = await releases(app);
      for (const replay of [result, { status: "failed", message: "again" }]) {
        const answer = await postResult(failed.buildId, token, replay);
        expect(answer.status, answer.body).toBe(403);
        expect(answer.body).toContain("no longer grants access");
      }
      expect(await releases(app)).toEqual(before);
      expect((await api<{ status: string }>("GET", `/apps/${app}/builds/${failed.buildId}`)).body.status).toBe("failed");
    } finally {
      await api("PATCH", `/apps/${app}/config-vars`, { PROBE_FAIL: null });
    }
  }, 300_000);
});
