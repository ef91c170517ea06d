import type { Build } from "../../types.ts";
import { appCommand, appOf, type AppOptions, type CliContext, positiveInteger, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { formatTime } from "../../printer.ts";

/** The build named, or the app's newest. */
async function buildOf(ctx: CliContext, app: string, id: string | undefined): Promise<Build> {
  if (id) return ctx.api.build(app, id);
  const newest = (await ctx.api.builds(app)).sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  if (!newest) throw new CliError(`${app} has no builds yet.`);
  return newest;
}

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

  appCommand(program, "builds:info", "show a build (the newest if none is named)")
    .argument("[build]", "the build's id")
    .action(async (id: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const build = await buildOf(ctx, app, id);
      if (options.json) return ctx.print.json(build);
      ctx.print.heading(`Build ${build.id}`);
      ctx.print.keyValues([
        ["Status", build.status],
        ["By", build.user.email],
        ["Created", formatTime(build.created_at)],
        ["Version", build.source_blob.version ?? ""],
        ["Source", build.source_blob.checksum ?? ""],
        ["Stack", build.stack],
        ...(build.failure_message ? ([["Failure", build.failure_message]] as [string, string][]) : []),
      ]);
    });

  appCommand(program, "builds:output", "show a build's output (the newest if none is named), following it while it runs", { json: false })
    .argument("[build]", "the build's id")
    .action(async (id: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const stream = await ctx.api.stream((await buildOf(ctx, app, id)).output_stream_url);
      for await (const chunk of stream) ctx.print.stdout.write(String(chunk));
    });
};
