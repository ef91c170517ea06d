import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { maintenanceApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "maintenance", "say whether an app is in maintenance mode (on or off)").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const { name, maintenance } = await maintenanceApi(ctx.api).get(app);
    if (options.json) return ctx.print.json({ name, maintenance });
    ctx.print.line(maintenance ? "on" : "off");
  });
};
