import { appCommand, appOf, type AppOptions, positiveInteger, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";
import type { Release } from "../../types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "releases", "list an app's releases, newest first")
    .option("-n, --num <n>", "how many releases to show", positiveInteger, 15)
    .action(async (options: AppOptions & { num: number }) => {
      const app = await appOf(ctx, options);
      const releases = await ctx.api.releases(app, options.num);
      if (options.json) return ctx.print.json(releases);
      if (releases.length === 0) return ctx.print.line(`${app} has no releases.`);
      const current = releases.find((r) => r.current);
      ctx.print.heading(`${app} Releases${current ? ` - Current: v${current.version}` : ""}`);
      ctx.print.table(releases, [
        { get: (r) => `v${r.version}` },
        { get: describeRelease },
        { get: (r) => r.user.email },
        { get: (r) => formatTime(r.created_at) },
      ]);
    });
};

/** The description, with the status when the release did not simply succeed. */
export function describeRelease(release: Release): string {
  return release.status === "succeeded" ? release.description : `${release.description} (${release.status})`;
}
