// A CLI command that fails says why in one line and exits 1; a stack trace only with OURO_DEBUG.
// Runs the real CLI; none of these commands changes anything on the platform.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEBUG_HINT, describeError } from "../../platform/cli/errors.ts";
import { ouro } from "../support/platform.ts";

const STACK_LINE = /^\s+at /m;

/** Runs the CLI with these variables set (and "" meaning unset for the CLI). */
function ouroWith(env: Record<string, string>, args: string[]) {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return ouro(args);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** What every failure looks like: the message on stderr, no stack, nothing on stdout, exit 1. */
function expectFailure(result: { code: number | null; stdout: string; stderr: string }, message: string | RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(typeof message === "string" ? `Error: ${message}` : message);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toContain(DEBUG_HINT);
  expect(result.stdout).toBe("");
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("CLI failures show the message, never a stack trace", () => {
  let unreachable = "";
  let keyDir = "";
  // Not the Ouro API: a server answering 200 with an HTML page, and one that hangs up on every
  // request. In a process of their own, because ouro() blocks this one while the CLI runs.
  let servers: ChildProcess;
  let htmlUrl = "";
  let hangUpUrl = "";

  beforeAll(async () => {
    unreachable = `http://127.0.0.1:${await closedPort()}`;
    keyDir = mkdtempSync(join(tmpdir(), "ouro-cli-errors-"));
    mkdirSync(join(keyDir, "admin-api-key"));
    servers = spawn(process.execPath, [
      "-e",
      `const http = require("node:http");
       const html = http.createServer((q, r) => r.writeHead(200, { "content-type": "text/html" }).end("<html>hi</html>"));
       const hangUp = http.createServer((q) => q.socket.destroy());
       html.listen(0, "127.0.0.1", () => hangUp.listen(0, "127.0.0.1", () =>
         console.log(JSON.stringify({ html: html.address().port, hangUp: hangUp.address().port }))));`,
    ]);
    const ports = await new Promise<{ html: number; hangUp: number }>((resolve, reject) => {
      servers.stdout!.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      servers.once("exit", (code) => reject(new Error(`the test servers exited ${code}`)));
    });
    htmlUrl = `http://127.0.0.1:${ports.html}`;
    hangUpUrl = `http://127.0.0.1:${ports.hangUp}`;
  });

  afterAll(() => {
    servers?.kill();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it("system:upgrade of an app that is no system app", () => {
    expectFailure(ouro(["system:upgrade", "nosuchapp"]), "Not a system app in this checkout: nosuchapp (system apps: builder");
  });

  it("system:upgrade with the API not answering, before it pushes anything", () => {
    const result = ouroWith({ OURO_API_URL: unreachable }, ["system:upgrade"]);
    expectFailure(result, `the Ouro API at ${unreachable} is not answering. Is the platform running?`);
    expect(result.stderr).not.toContain("Upgrading");
  });

  it("a read command with the API not answering", () => {
    expectFailure(ouroWith({ OURO_API_URL: unreachable }, ["apps"]), `the Ouro API at ${unreachable} is not answering`);
  });

  it("an API that hangs up, with what the connection said", () => {
    expectFailure(ouroWith({ OURO_API_URL: hangUpUrl }, ["apps"]), new RegExp(`^Error: the Ouro API at ${hangUpUrl} is not answering \\(.+\\)\\. `));
  });

  it("an API URL that is not a URL", () => {
    expectFailure(ouroWith({ OURO_API_URL: "not a url" }, ["apps"]), `the API URL "not a url" is not a valid URL. Check OURO_API_URL`);
  });

  it("an API URL where something else answers with HTML", () => {
    expectFailure(
      ouroWith({ OURO_API_URL: htmlUrl }, ["apps"]),
      `${htmlUrl} answered GET /apps with something that is not JSON (HTTP 200, text/html)`,
    );
  });

  it("a key file that cannot be read", () => {
    const result = ouroWith({ OURO_DATA_DIR: keyDir, OURO_API_KEY: "", HEROKU_API_KEY: "" }, ["apps"]);
    expectFailure(result, `cannot read the API key from ${join(keyDir, "admin-api-key")}: EISDIR`);
  });

  it("an app the API does not know: the API's message as it is", () => {
    expectFailure(ouro(["apps:info", "-a", "no-such-app-here"]), "Couldn't find that app: no-such-app-here.");
  });

  it("arguments the command cannot use", () => {
    expectFailure(ouro(["ps:scale", "web=two", "-a", "no-such-app-here"]), 'invalid dyno change "web=two"');
    expectFailure(ouro(["config:set", "NOEQUALS", "-a", "no-such-app-here"]), "NOEQUALS is invalid. Must be in the format FOO=bar.");
  });

  it("shows where it came from with OURO_DEBUG=1", () => {
    const result = ouroWith({ OURO_DEBUG: "1" }, ["system:upgrade", "nosuchapp"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: Not a system app in this checkout: nosuchapp/);
    expect(result.stderr).toMatch(STACK_LINE);
  });
});

describe("describeError", () => {
  const unexpected = new TypeError("Cannot read properties of undefined (reading 'name')");

  it("shows an unexpected error's message and the OURO_DEBUG hint, not its stack", () => {
    const shown = describeError(unexpected);
    expect(shown).toBe(`Error: Cannot read properties of undefined (reading 'name')\n${DEBUG_HINT}`);
    expect(shown).not.toMatch(STACK_LINE);
  });

  it("shows the stack, and its cause's, only when asked", () => {
    const wrapped = new Error("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:5000") });
    const shown = describeError(wrapped, { debug: true });
    expect(shown).toMatch(/^Error: fetch failed\n\s+at /);
    expect(shown).toContain("Caused by: connect ECONNREFUSED 127.0.0.1:5000");
  });

  it("shows what was thrown when it is no Error", () => {
    expect(describeError("a string")).toBe("Error: a string");
  });
});
