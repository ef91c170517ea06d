import type { RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { appFromGitUrl, DEFAULT_REMOTE, remoteUrl, removeRemote, resolveApp } from "../../git.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("apps:destroy [app]")
    .description("permanently destroy an app: its dynos, releases and repository")
    .option("-a, --app <app>", "app to destroy")
    .option("-r, --remote <remote>", "git remote of app to use", DEFAULT_REMOTE)
    .option("-c, --confirm <app>", "the app's name again, to confirm")
    .action(async (positional: string | undefined, options: { app?: string; remote: string; confirm?: string }) => {
      const app = await resolveApp({
        app: options.app ?? positional ?? options.confirm,
        remote: options.remote,
        cwd: ctx.cwd,
      });
      if (options.confirm === undefined) {
        throw new CliError(`this destroys ${app} for good. To proceed, run: ouro apps:destroy -a ${app} --confirm ${app}`);
      }
      if (options.confirm !== app) {
        throw new CliError(`confirmation "${options.confirm}" did not match ${app}; nothing was destroyed.`);
      }
      await ctx.print.action(`Destroying ${app}`, () => ctx.api.destroyApp(app));
      // The checkout's remote now points nowhere; heroku removes it too.
      const url = await remoteUrl(ctx.cwd, options.remote);
      if (url !== undefined && appFromGitUrl(url) === app) {
        await removeRemote({ cwd: ctx.cwd, remote: options.remote });
        ctx.print.note(`Git remote ${options.remote} removed`);
      }
    });
};
