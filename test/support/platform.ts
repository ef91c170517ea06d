// Talks to the running platform the way users do: the API with the admin key,
// git over smart HTTP, the router with a Host header.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { dataDirFrom, repoRoot } from "../../platform/lib/config.ts";

export const apiPort = Number(process.env.OURO_API_PORT ?? 5000);
export const routerPort = Number(process.env.OURO_ROUTER_PORT ?? 8080);
export const apiUrl = `http://127.0.0.1:${apiPort}`;
export const apiKey = () => readFileSync(join(dataDirFrom(process.env), "admin-api-key"), "utf8").trim();

export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export function api<T = unknown>(method: string, path: string, body?: unknown, key = apiKey()) {
  return jsonRequest<T>({ base: apiUrl, key }, method, path, body);
}

/**
 * A JSON request with a bearer key to any Ouro API (the platform's, or one a test runs in-process).
 * A connection of its own each time: tests block the event loop (spawnSync of git and docker)
 * for longer than the API keeps an idle connection, and a pooled one closed meanwhile would be
 * reused before its close was read ("other side closed").
 */
export function jsonRequest<T = unknown>(to: { base: string; key: string }, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; body: T }>((resolve, reject) => {
    const req = http.request(
      `${to.base}${path}`,
      {
        method,
        agent: false,
        headers: {
          Authorization: `Bearer ${to.key}`,
          "Content-Type": "application/json",
          Accept: "application/vnd.heroku+json; version=3",
          ...(payload === undefined ? {} : { "Content-Length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
          } catch (error) {
            reject(error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Runs the real CLI, as `npx ouro` would; from outside any checkout unless told; as the admin
 * unless given a key; for at most a minute unless told (a build waits its turn at the builder).
 */
export function ouro(args: string[], cwd = tmpdir(), key?: string, timeoutMs = 60_000) {
  const env = key === undefined ? process.env : { ...process.env, OURO_API_KEY: key };
  const result = spawnSync(join(repoRoot, "bin", "ouro"), args, { cwd, encoding: "utf8", timeout: timeoutMs, env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A git checkout of a fixture app, with an `ouro` remote for `app`. */
export function checkout(fixture: string, app: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ouro-${app}-`));
  cpSync(join(repoRoot, "test", "fixtures", fixture), dir, { recursive: true, filter: (p) => !p.includes("node_modules") });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", `fixture ${fixture}`);
  git(dir, "remote", "add", "ouro", `http://ouro:${apiKey()}@127.0.0.1:${apiPort}/${app}.git`);
  return dir;
}

export function git(dir: string, ...args: string[]) {
  const result = spawnSync("git", ["-C", dir, "-c", "user.name=Test", "-c", "user.email=test@ouro.local", ...args], {
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** GET through the router with `Host: <app>.localhost`. */
export function viaRouter(app: string, path = "/") {
  return viaHost(`${app}.localhost`, path);
}

/** GET through the router's HTTP port with any Host header (a custom domain's). */
export function viaHost(host: string, path = "/"): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: routerPort, path, headers: { Host: host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
  });
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

/**
 * For a describe block: an app created with the CLI and a checkout of `fixture`
 * with an `ouro` remote for it, both removed afterwards. Read `.dir` inside tests.
 */
export function appWithCheckout(prefix: string, fixture: string): { readonly name: string; readonly dir: string } {
  const name = uniqueName(prefix);
  let dir = "";
  beforeAll(() => {
    expect(ouro(["apps:create", name]).code).toBe(0);
    dir = checkout(fixture, name);
  });
  afterAll(() => {
    ouro(["apps:destroy", "-a", name, "--confirm", name]);
    removeDir(dir);
  });
  return { name, get dir() { return dir; } };
}

/**
 * Pushes a change as the app's main without touching the checkout's main: commits what
 * `change` writes on a branch from `from` (a commit), force-pushes it (so no earlier push
 * matters), then puts the checkout back on main and drops the branch. Gives the push's exit
 * code and output, and the commit pushed.
 */
export function pushChange(dir: string, options: { from: string; message: string; change: (dir: string) => void }) {
  const branch = uniqueName("change");
  expect(git(dir, "checkout", "-q", "-b", branch, options.from).code).toBe(0);
  try {
    options.change(dir);
    git(dir, "add", "-A");
    expect(git(dir, "commit", "-q", "-m", options.message).code).toBe(0);
    const commit = git(dir, "rev-parse", "HEAD").output.trim();
    return { ...git(dir, "push", "-f", "ouro", `${branch}:main`), commit };
  } finally {
    git(dir, "checkout", "-q", "-f", "main");
    git(dir, "branch", "-q", "-D", branch);
  }
}
