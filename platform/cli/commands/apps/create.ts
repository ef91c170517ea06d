import type { RegisterCommand } from "../../command.ts";
import { DEFAULT_REMOTE, isGitRepo, setRemote, withCredentials } from "../../git.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("apps:create [name]")
    .description("create a new app (a generated name when NAME is left out)")
    .option("-r, --remote <remote>", "the git remote to create when run inside a git repository", DEFAULT_REMOTE)
    .option("--no-remote", "do not create a git remote")
    .option("--json", "output in json format")
    .action(async (name: string | undefined, options: { remote: string | false; json?: boolean }) => {
      const app = await ctx.print.action(`Creating ${name ?? "app"}`, () => ctx.api.createApp(name));
      // Like heroku: inside a checkout, the new app becomes the push target right away.
      if (options.remote !== false && (await isGitRepo(ctx.cwd))) {
        await setRemote({ cwd: ctx.cwd, remote: options.remote, url: withCredentials(app.git_url, ctx.api.key()) });
        ctx.print.note(`Git remote ${options.remote} added`);
      }
      if (options.json) return ctx.print.json(app);
      ctx.print.line(`${app.web_url} | ${app.git_url}`);
    });
};
