import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { addonsApi } from "./types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "addons:create", "create an add-on (postgres, redis) and attach it; makes a new release")
    .argument("<service:plan>", "the add-on service and optional plan: postgres, redis, heroku-postgresql:essential-0, ...")
    .action(async (plan: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const addon = await ctx.print.action(`Creating ${plan} on ${app}`, () => addonsApi(ctx.api).create(app, plan));
      if (options.json) return ctx.print.json(addon);
      ctx.print.line(`Created ${addon.name} as ${addon.config_vars.join(", ")}`);
    });
};
