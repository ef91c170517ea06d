// Where the CLI finds the API and its key. Pure apart from reading the key file, so tests can
// hand in their own environment.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "./errors.ts";

export interface CliConfig {
  apiUrl: string;
  /** undefined when no key is configured; commands that need one say where to put it. */
  apiKey: string | undefined;
  keyFile: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function dataDir(env: NodeJS.ProcessEnv): string {
  return env.OURO_DATA_DIR || join(REPO_ROOT, ".ouro");
}

export function resolveConfig(env: NodeJS.ProcessEnv): CliConfig {
  const apiUrl = (env.OURO_API_URL || `http://127.0.0.1:${env.OURO_API_PORT || "5000"}`).replace(/\/+$/, "");
  const keyFile = join(dataDir(env), "admin-api-key");
  const apiKey = env.OURO_API_KEY || env.HEROKU_API_KEY || readKeyFile(keyFile);
  return { apiUrl, apiKey, keyFile };
}

function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`cannot read the API key from ${path}: ${(err as Error).message}. Set OURO_API_KEY, or fix the file.`);
  }
}
