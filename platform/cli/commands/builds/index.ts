import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Build } from "../../types.ts";
import { archiveHead } from "../../git.ts";
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

  appCommand(program, "builds:create", "build a tarball (or the checkout's HEAD) and release it, without git push")
    .option("--source-tar <file>", "a .tar.gz (or .tar) of the app; everything in one top directory is fine")
    .option("--source-url <url>", "the URL of such a tarball, which the build fetches")
    .option("--version <version>", "what to call this source (default: the commit, for HEAD)")
    .action(async (options: AppOptions & { sourceTar?: string; sourceUrl?: string; version?: string }) => {
      const app = await appOf(ctx, options);
      if (options.sourceTar && options.sourceUrl) throw new CliError("give --source-tar or --source-url, not both");
      const scratch = await mkdtemp(join(tmpdir(), "ouro-source-"));
      try {
        let version = options.version;
        let url = options.sourceUrl;
        if (!url) {
          let file = options.sourceTar;
          if (!file) {
            file = join(scratch, "source.tar.gz");
            const commit = await archiveHead(ctx.cwd, file);
            version ??= commit;
          }
          const tarball = file;
          url = await ctx.print.action("Uploading source", async () => {
            const { source_blob } = await ctx.api.createSource(app);
            await ctx.api.upload(source_blob.put_url, tarball);
            return source_blob.get_url;
          });
        }
        let build = await ctx.api.createBuild(app, { url, ...(version ? { version } : {}) });
        for await (const chunk of await ctx.api.stream(build.output_stream_url)) ctx.print.stderr.write(String(chunk));
        build = await ctx.api.build(app, build.id);
        // The output ends with the build's outcome; a build whose API died before it ended is read until it has one.
        while (build.status === "pending") {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          build = await ctx.api.build(app, build.id);
        }
        if (options.json) ctx.print.json(build);
        if (build.status === "failed") throw new CliError(`Build ${build.id} failed: ${build.failure_message ?? "no reason given"}`);
        if (!options.json) ctx.print.line(`Build ${build.id} succeeded`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
};
