import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { addonsApi } from "./types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "addons:destroy", "permanently destroy an add-on and its data; makes a new release", { json: false })
    .argument("<addon>", "the add-on's name or id")
    .option("-c, --confirm <app>", "the app's name again, to confirm")
    .action(async (addon: string, options: AppOptions & { confirm?: string }) => {
      const app = await appOf(ctx, options);
      if (options.confirm === undefined) {
        throw new CliError(`this destroys ${addon} and its data for good. To proceed, run: ouro addons:destroy ${addon} -a ${app} --confirm ${app}`);
      }
      if (options.confirm !== app) {
        throw new CliError(`confirmation "${options.confirm}" did not match ${app}; nothing was destroyed.`);
      }
      await ctx.print.action(`Destroying ${addon} on ${app}`, () => addonsApi(ctx.api).destroy(app, addon));
    });
};
