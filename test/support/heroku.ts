// Runs the official `heroku` CLI (the npm package, a dev dependency) against the running platform,
// as a user would point it at Ouro: HEROKU_HOST at the API, HEROKU_API_KEY a key of Ouro's. It
// runs in a home of its own (it writes a git credential helper into the global git config on every
// command), with its telemetry, update checks and account lookups elsewhere turned off or pointed
// at Ouro, so nothing leaves this machine.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataDirFrom, repoRoot } from "../../platform/lib/config.ts";
import { apiKey, apiUrl } from "./platform.ts";

let home: string | undefined;

/** The CLI's home: made once per test file, with the terms-of-service notice already seen. */
function herokuHome(): string {
  if (home) return home;
  home = mkdtempSync(join(tmpdir(), "ouro-heroku-home-"));
  mkdirSync(join(home, ".cache", "heroku"), { recursive: true });
  writeFileSync(join(home, ".cache", "heroku", "terms-of-service"), "");
  return home;
}

/** Removes the CLI's home (afterAll). */
export function removeHerokuHome(): void {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
}

export function herokuEnv(key = apiKey()): NodeJS.ProcessEnv {
  const { SSL_CERT_FILE: _file, SSL_CERT_DIR: _dir, HEROKU_APP: _app, ...env } = process.env;
  return {
    ...env,
    HOME: herokuHome(),
    XDG_CACHE_HOME: join(herokuHome(), ".cache"),
    XDG_CONFIG_HOME: join(herokuHome(), ".config"),
    XDG_DATA_HOME: join(herokuHome(), ".local", "share"),
    HEROKU_HOST: apiUrl,
    HEROKU_API_KEY: key,
    HEROKU_PARTICLEBOARD_URL: apiUrl,
    DISABLE_TELEMETRY: "true",
    HEROKU_SKIP_NEW_VERSION_CHECK: "true",
    HEROKU_DISABLE_AUTOUPDATE: "true",
    // `heroku run` verifies the rendezvous certificate against its CAs: Ouro's is self-signed.
    NODE_EXTRA_CA_CERTS: join(dataDirFrom(process.env), "rendezvous", "cert.pem"),
    NO_COLOR: "1",
  };
}

export interface HerokuResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const HEROKU_BIN = join(repoRoot, "node_modules", ".bin", "heroku");

/** One `heroku` command, run to its end (at most a minute); stdin from `input` or nothing. */
export function heroku(args: string[], opts: { key?: string; input?: string; cwd?: string } = {}): HerokuResult {
  const result = spawnSync(HEROKU_BIN, args, { cwd: opts.cwd ?? herokuHome(), env: herokuEnv(opts.key), input: opts.input ?? "", encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `heroku` command left running (`logs --tail`), its output gathered as it comes. */
export function herokuRunning(args: string[], opts: { key?: string } = {}) {
  const child = spawn(HEROKU_BIN, args, { cwd: herokuHome(), env: herokuEnv(opts.key), stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output.stderr += chunk));
  return {
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGINT");
      }),
  };
}
