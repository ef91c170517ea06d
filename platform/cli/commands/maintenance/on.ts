import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { maintenanceApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "maintenance:on", "put an app in maintenance mode: the router answers its requests with a 503 maintenance page", {
    json: false,
  }).action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    await ctx.print.action(`Enabling maintenance mode for ${app}`, () => maintenanceApi(ctx.api).set(app, true));
  });
};
