// `ouro system:upgrade`: pushes this checkout's system apps to the platform again,
// through the same git push path as any app (as Flynn's updater did).
import { repoRoot } from "../../../lib/config.ts";
import { presentSystemApps, pushSystemApp } from "../../../bootstrap/index.ts";
import type { RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("system:upgrade [APPS...]")
    .description("push this checkout's system apps (builder, cron, postgres, redis) to the platform again")
    .option("--force", "push even an app whose current release was built from this very source")
    .action(async (names: string[], options: { force?: boolean }) => {
      const present = presentSystemApps(repoRoot);
      const unknown = names.filter((n) => !present.includes(n));
      if (unknown.length) throw new CliError(`Not a system app in this checkout: ${unknown.join(", ")} (system apps: ${present.join(", ")})`);
      const targets = names.length ? names : present;
      // Asked through the CLI's own client first: an API that does not answer, a key it refuses
      // or a system app it does not have fails here, with its usual message, before any push.
      for (const name of targets) await ctx.api.app(name);
      for (const name of targets) {
        ctx.print.note(`Upgrading ${name}...`);
        const result = await pushSystemApp({
          repoRoot,
          name,
          apiUrl: ctx.api.url,
          apiKey: ctx.api.key(),
          force: Boolean(options.force),
          output: (text) => process.stderr.write(text),
        }).catch((err: Error) => {
          // Its failures are a rejected push or an API that stopped answering: say which app.
          const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
          throw new CliError(`upgrading ${name} failed: ${err.message}${cause}`);
        });
        ctx.print.line(`${name}: v${result.version} ${result.pushed ? "deployed" : "already up to date"} ${result.checksum ?? ""}`.trimEnd());
      }
    });
};
