// A command that makes a release (config:set, config:unset) ends when the release does: current,
// or failed with the reason, the previous release still serving.
import type { CliContext } from "./command.ts";
import { CliError } from "./errors.ts";
import type { Release } from "./types.ts";

const POLL_MS = 300;
// Past the release phase's own limit (15 minutes) and a boot: the API settles it by then.
const WAIT_MS = 20 * 60_000;

/** The app's newest release: the one the change just made. */
export async function newestRelease(ctx: CliContext, app: string): Promise<Release | undefined> {
  const releases = await ctx.api.releases(app);
  return releases.reduce<Release | undefined>((newest, r) => (newest && newest.version > r.version ? newest : r), undefined);
}

/** Waits while the release is pending (its release phase, then its web dynos); throws if it failed. */
export async function awaitRelease(ctx: CliContext, app: string, release: Release): Promise<Release> {
  const deadline = Date.now() + WAIT_MS;
  let now = release;
  while (now.status === "pending" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    now = await ctx.api.release(app, now.id);
  }
  if (now.status === "failed") {
    throw new CliError(`v${now.version} failed: ${now.failure_message ?? "no reason given"}. See \`ouro logs -a ${app}\`.`);
  }
  if (now.status === "pending") {
    throw new CliError(`v${now.version} is still pending after ${WAIT_MS / 60_000} minutes; see \`ouro ps:plan -a ${app}\`.`);
  }
  return now;
}
