import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:restart", "restart all of an app's dynos", { json: false }).action(
    async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      await ctx.print.action(`Restarting dynos on ${app}`, () => ctx.api.restartDynos(app));
    },
  );
};
