import { execFileSync, spawnSync } from "node:child_process";

export function step(text: string): void {
  process.stderr.write(`-----> ${text}\n`);
}

/** Runs a command, failing with its output when it fails. */
export function run(
  command: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; quiet?: boolean; show?: boolean } = {},
): string {
  const result = spawnSync(command, args, {
    input: opts.input,
    env: opts.env ?? process.env,
    encoding: "utf8",
    // `show` streams the command's output to the terminal (stage 0's build log).
    stdio: ["pipe", opts.show ? "inherit" : "pipe", opts.quiet ? "pipe" : "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(" ")}\` failed (exit ${result.status}): ${(result.stderr ?? "").trim()} ${(result.stdout ?? "").trim()}`.trim());
  }
  return result.stdout ?? "";
}

export function succeeds(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const has = (command: string) => succeeds("sh", ["-c", `command -v ${command}`]);

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}
