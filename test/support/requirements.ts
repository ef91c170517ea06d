// What a suite needs from the machine, checked in its beforeAll. A missing piece fails the
// suite with what to do about it; it never skips the suite, since a skip hides a broken install.
import { spawnSync } from "node:child_process";

/** Fails unless `command` runs (`<command> --version`); bootstrap installs what the suites need. */
export function requireCommand(command: string): void {
  const probe = spawnSync(command, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? (probe.error as NodeJS.ErrnoException).code : `exit ${probe.status}: ${probe.stderr.trim()}`;
    throw new Error(`${command} is not on PATH (${why}): run npm run bootstrap, which installs it`);
  }
}

/**
 * The npm registry npm itself would use (`npm config get registry`), once it answered a
 * package request; fails when it cannot be reached, since the suite needs the network.
 */
export async function requireRegistry(): Promise<string> {
  const config = spawnSync("npm", ["config", "get", "registry"], { encoding: "utf8", timeout: 30_000 });
  const registry = config.stdout?.trim() ?? "";
  if (config.status !== 0 || !/^https?:\/\//.test(registry)) {
    throw new Error(`npm config get registry gave no registry URL (${config.error?.message ?? (config.stderr.trim() || "exit " + config.status)})`);
  }
  const probe = new URL("ms", registry.endsWith("/") ? registry : `${registry}/`);
  const answer = await fetch(probe, { headers: { accept: "application/vnd.npm.install-v1+json" }, signal: AbortSignal.timeout(15_000) }).then(
    (res) => (res.ok ? undefined : `it answered ${res.status}`),
    (error: Error) => (error.cause as Error | undefined)?.message ?? error.message,
  );
  if (answer) throw new Error(`the npm registry ${registry} (npm config get registry) cannot be reached: ${answer}; this suite needs the network`);
  return registry;
}
