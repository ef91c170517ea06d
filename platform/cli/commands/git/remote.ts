import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { isGitRepo, setRemote, withCredentials } from "../../git.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "git:remote", "point a git remote (default ouro) of this repository at an app", {
    json: false,
  }).action(async (options: AppOptions) => {
    if (!(await isGitRepo(ctx.cwd))) {
      throw new CliError(`${ctx.cwd} is not a git repository. Run git init first.`);
    }
    const app = await ctx.api.app(await appOf(ctx, options));
    await setRemote({ cwd: ctx.cwd, remote: options.remote, url: withCredentials(app.git_url, ctx.api.key()) });
    // The stored URL holds the API key; never print it.
    ctx.print.line(`set git remote ${options.remote} to ${app.git_url}`);
  });
};
