import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { maintenanceApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "maintenance:off", "take an app out of maintenance mode: the router sends its requests to its web dynos again", {
    json: false,
  }).action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    await ctx.print.action(`Disabling maintenance mode for ${app}`, () => maintenanceApi(ctx.api).set(app, false));
  });
};
