import { type RegisterCommand, requireConfirmation } from "../../command.ts";
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
      requireConfirmation({
        confirm: options.confirm,
        expected: app,
        warning: `this destroys ${app} for good`,
        rerun: `ouro apps:destroy -a ${app} --confirm ${app}`,
        undone: "destroyed",
      });
      await ctx.print.action(`Destroying ${app}`, () => ctx.api.destroyApp(app));
      // The checkout's remote now points nowhere; heroku removes it too.
      const url = await remoteUrl(ctx.cwd, options.remote);
      if (url !== undefined && appFromGitUrl(url) === app) {
        await removeRemote({ cwd: ctx.cwd, remote: options.remote });
        ctx.print.note(`Git remote ${options.remote} removed`);
      }
    });
};
