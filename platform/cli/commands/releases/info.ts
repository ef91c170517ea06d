import type { ApiClient } from "../../api-client.ts";
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { formatTime } from "../../printer.ts";
import type { Release } from "../../types.ts";
import { describeRelease } from "./index.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "releases:info", "show one release (the current one when VERSION is left out)")
    .argument("[version]", "v3, 3 or a release id")
    .action(async (version: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const release = version ? await ctx.api.release(app, version.replace(/^v(\d+)$/, "$1")) : await current(ctx.api, app);
      const slug = release.slug ? await ctx.api.slug(app, release.slug.id) : null;
      if (options.json) return ctx.print.json({ release, slug });
      ctx.print.heading(`Release v${release.version}`);
      ctx.print.keyValues([
        ["By", release.user.email],
        ["Change", describeRelease(release)],
        ["Current", release.current ? "yes" : "no"],
        ["Status", release.status],
        ...(release.failure_message ? ([["Failure", release.failure_message]] as const) : []),
        ["Slug", slug ? slug.id : "none"],
        ...(slug
          ? ([
              ["Checksum", slug.checksum],
              ["Commit", slug.commit ?? ""],
              ["Process types", Object.keys(slug.process_types).sort().join(", ")],
            ] as const)
          : []),
        ["When", formatTime(release.created_at)],
      ]);
    });

  appCommand(program, "releases:output", "show a release command's output (the newest release's when VERSION is left out)", { json: false })
    .argument("[version]", "v3, 3 or a release id")
    .action(async (version: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const release = version ? await ctx.api.release(app, version.replace(/^v(\d+)$/, "$1")) : (await ctx.api.releases(app, 1))[0];
      if (!release) throw new CliError(`${app} has no releases yet. Deploy it with git push ouro main.`);
      if (!release.output_stream_url) return ctx.print.note(`v${release.version} has no release command, so no output.`);
      for await (const chunk of await ctx.api.stream(release.output_stream_url)) ctx.print.stdout.write(String(chunk));
    });
};

async function current(api: ApiClient, app: string): Promise<Release> {
  const releases = await api.releases(app);
  const release = releases.find((r) => r.current) ?? releases.at(-1);
  if (!release) throw new CliError(`${app} has no releases yet. Deploy it with git push ouro main.`);
  return release;
}
