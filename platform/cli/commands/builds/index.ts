import { appCommand, appOf, type AppOptions, positiveInteger, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "builds", "list an app's builds, newest first")
    .option("-n, --num <n>", "how many builds to show", positiveInteger, 15)
    .action(async (options: AppOptions & { num: number }) => {
      const app = await appOf(ctx, options);
      const builds = (await ctx.api.builds(app))
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, options.num);
      if (options.json) return ctx.print.json(builds);
      if (builds.length === 0) return ctx.print.line(`${app} has no builds.`);
      ctx.print.heading(`${app} Builds`);
      ctx.print.table(builds, [
        { get: (b) => b.id },
        { get: (b) => formatTime(b.created_at) },
        { get: (b) => b.status },
        { get: (b) => b.user.email },
        { get: (b) => (b.source_blob.version ?? "").slice(0, 7) },
      ]);
    });
};
