// git in a child process that does not block the event loop, for tests and benchmarks that
// keep load going (test/support/load.ts) while a push runs.
import { execFile } from "node:child_process";

export function gitAsync(dir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["-C", dir, "-c", "user.name=Test", "-c", "user.email=test@ouro.local", ...args],
      { encoding: "utf8", timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}
