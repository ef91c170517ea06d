import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";
import { addonsApi } from "./types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "addons", "list an app's add-ons")
    .action(async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      const addons = await addonsApi(ctx.api).list(app);
      if (options.json) return ctx.print.json(addons);
      if (addons.length === 0) return ctx.print.line(`No add-ons for app ${app}.`);
      ctx.print.table(addons, [
        { header: "Add-on", get: (a) => `${a.addon_service.name} (${a.name})` },
        { header: "Plan", get: (a) => a.plan.name.split(":")[1] ?? a.plan.name },
        { header: "Config vars", get: (a) => a.config_vars.join(", ") },
        { header: "Created", get: (a) => formatTime(a.created_at) },
        { header: "State", get: (a) => a.state },
      ]);
    });
};
