import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { awaitRelease } from "../../release-wait.ts";
import type { Release } from "../../types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "releases:rollback", "roll back to an earlier release's code and config (the one before the current one when VERSION is left out)", {
    json: false,
  })
    .alias("rollback")
    .argument("[version]", "v3, 3 or a release id")
    .action(async (version: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const target = version ? await ctx.api.release(app, version.replace(/^v(\d+)$/, "$1")) : previous(app, await ctx.api.releases(app));
      const made = await ctx.print.action(
        `Rolling back ${app} to v${target.version}`,
        async () => awaitRelease(ctx, app, await ctx.api.rollback(app, target.id)),
        (release) => `done, v${release.version}`,
      );
      ctx.print.note(`Rollback affects code and config vars; it doesn't add or remove add-ons. To undo: ouro releases:rollback v${made.version - 1} -a ${app}`);
    });
};

/** The release before the current one that may be rolled back to: it ran, and has a slug. */
function previous(app: string, releases: Release[]): Release {
  const current = releases.find((r) => r.current);
  const eligible = releases.filter((r) => r.eligible_for_rollback && r.version < (current?.version ?? Infinity));
  const target = eligible.sort((a, b) => b.version - a.version)[0];
  if (!target) throw new CliError(`${app} has no earlier release to roll back to.`);
  return target;
}
