// The real bin/ouro in a child process against an API of the test's own (usually
// test/support/api.ts's in-process one), with the key it is given, times in UTC.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/ouro", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ouro ARGS` as the key's user; from outside any checkout unless `cwd` is one. */
export function runOuro(args: string[], opts: { url: string; key: string; cwd?: string }): Promise<CliResult> {
  const env = { ...process.env, OURO_API_URL: opts.url, OURO_API_KEY: opts.key, TZ: "UTC" };
  return new Promise((resolve) => {
    execFile(BIN, args, { env, cwd: opts.cwd ?? tmpdir() }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
