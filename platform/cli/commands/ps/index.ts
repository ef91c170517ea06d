import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { printDynos } from "../../dyno-output.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps", "list an app's dynos, with their sizes").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const dynos = await ctx.api.dynos(app);
    if (options.json) return ctx.print.json(dynos);
    if (dynos.length === 0) return ctx.print.line(`No dynos on ${app}`);
    printDynos(ctx.print, dynos);
  });
};
