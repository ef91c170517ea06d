// `ouro releases` end to end: the real bin/ouro in a child process against a small express
// server that answers the Platform API's release routes.
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { fileURLToPath } from "node:url";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendList } from "../../platform/api/ranges.ts";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));
const KEY = `test-key-${Math.random().toString(36).slice(2)}`;

const user = { id: "u1", email: "admin@ouro.local" };
const app = { id: "a1", name: "hello" };
const release = (version: number, description: string, status = "succeeded") => ({
  id: `r${version}`,
  app,
  version,
  description,
  status,
  current: version === 3,
  slug: { id: `s${version}` },
  user,
  created_at: `2026-11-25T19:0${version}:00.000Z`,
  updated_at: `2026-11-25T19:0${version}:00.000Z`,
});
const RELEASES = [release(1, "Deploy 1a2b3c4"), release(2, "Deploy 5d6e7f8", "failed"), release(3, "Set GREETING config vars")];

function platformApi() {
  const api = express();
  api.use((req, res, next) => {
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.status(401).json({ id: "unauthorized", message: "Invalid credentials provided." });
    } else next();
  });
  api.get("/apps/:app/releases", (req, res) => {
    if (req.params.app !== "hello") res.status(404).json({ id: "not_found", message: "Couldn't find that app." });
    // Paged by the Range the CLI sends, with the API's own code.
    else sendList(req, res, RELEASES, { version: (r) => r.version, id: (r) => r.id });
  });
  api.get("/apps/:app/releases/:version", (req, res) => {
    const found = RELEASES.find((r) => String(r.version) === req.params.version || r.id === req.params.version);
    if (found) res.json(found);
    else res.status(404).json({ id: "not_found", message: "Couldn't find that release." });
  });
  api.get("/apps/:app/slugs/:id", (req, res) => {
    res.json({ id: req.params.id, checksum: "SHA256:abc123", size: 1024, process_types: { web: "npm start" },
      commit: "1a2b3c4", stack: { id: "st", name: "ouro-24" }, buildpack_provided_description: "Node.js",
      created_at: "2026-11-25T19:00:00.000Z" });
  });
  return api;
}

/** A port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const s = await new Promise<Server>((resolve) => {
    const s = express().listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function ouro(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, TZ: "UTC", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

describe("ouro releases against a real HTTP server", () => {
  let server: Server;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const s = platformApi().listen(0, "127.0.0.1", () => resolve(s));
    });
    env = { OURO_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, OURO_API_KEY: KEY };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("prints the releases newest first, like heroku", async () => {
    const result = await ouro(["releases", "-a", "hello"], env);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toBe(
      [
        "=== hello Releases - Current: v3",
        "v3  Set GREETING config vars  admin@ouro.local  2026/11/25 19:03:00",
        "v2  Deploy 5d6e7f8 (failed)   admin@ouro.local  2026/11/25 19:02:00",
        "v1  Deploy 1a2b3c4            admin@ouro.local  2026/11/25 19:01:00",
        "",
      ].join("\n"),
    );
  });

  it("prints the API's JSON with --json and honours -n", async () => {
    const result = await ouro(["releases", "-a", "hello", "--json", "-n", "2"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([RELEASES[2], RELEASES[1]]);
  });

  it("shows one release with its slug checksum", async () => {
    const result = await ouro(["releases:info", "v1", "-a", "hello"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("=== Release v1");
    expect(result.stdout).toMatch(/Checksum: +SHA256:abc123/);
  });

  it("shows the API's error message as it is", async () => {
    const result = await ouro(["releases", "-a", "nope"], env);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "Error: Couldn't find that app.\n" });
    const unauthorized = await ouro(["releases", "-a", "hello"], { ...env, OURO_API_KEY: "wrong" });
    expect(unauthorized.stderr).toBe("Error: Invalid credentials provided.\n");
  });

  it("says so when the API is not answering", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await ouro(["releases", "-a", "hello"], { ...env, OURO_API_URL: url });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: the Ouro API at ${url} is not answering. Is the platform running? (npm run bootstrap)\n`,
    });
  });
});
