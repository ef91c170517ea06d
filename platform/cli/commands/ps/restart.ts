// `ouro ps:restart [web|web.1]`: heroku's. The API bumps the restart generation of every type, or
// of the one named, and the dyno manager replaces their dynos by the app's strategy (ps:strategy);
// one dyno is replaced on its own.
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:restart", "restart an app's dynos, a process type's (web) or one dyno (web.1), by the app's strategy", { json: false })
    .argument("[dyno]", "a dyno's name (web.1) or a process type (web); without it, every dyno")
    .action(async (dyno: string | undefined, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const what = dyno === undefined ? "dynos" : dyno.includes(".") ? `${dyno} dyno` : `${dyno} dynos`;
      await ctx.print.action(`Restarting ${what} on ${app}`, () => ctx.api.restartDynos(app, dyno));
    });
};
