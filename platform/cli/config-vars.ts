// Shared by config:set and config:unset: send the change, then report the release it made once it settled.
import type { CliContext } from "./command.ts";
import { CliError } from "./errors.ts";
import { awaitRelease, newestRelease } from "./release-wait.ts";

/** `KEY=value` arguments; the value may itself contain `=`, and may be empty. */
export function parseAssignments(args: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new CliError(`${arg} is invalid. Must be in the format FOO=bar.`);
    vars[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return vars;
}

export async function changeConfigVars(
  ctx: CliContext,
  { app, changes, verb, wait = true }: { app: string; changes: Record<string, string | null>; verb: "Setting" | "Unsetting"; wait?: boolean },
): Promise<Record<string, string>> {
  const keys = Object.keys(changes).join(", ");
  const { vars } = await ctx.print.action(
    `${verb} ${keys} and restarting ${app}`,
    async () => {
      const vars = await ctx.api.updateConfigVars(app, changes);
      // Each change makes a release, which deploys like a push: wait until it is current (or
      // failed, the previous config still running) and name it the way heroku does ("done, v4").
      const made = await newestRelease(ctx, app);
      const settled = made && wait ? await awaitRelease(ctx, app, made) : made;
      return { vars, version: settled?.version, pending: settled?.status === "pending" };
    },
    ({ version, pending }) => (version === undefined ? "done" : `done, v${version}${pending ? " (deploying: ouro releases says how it ends)" : ""}`),
  );
  return vars;
}

/** `KEY='value'` lines that a shell can source. */
export function shellLine(key: string, value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(value) ? `${key}=${value}` : `${key}='${value.replaceAll("'", `'\\''`)}'`;
}
