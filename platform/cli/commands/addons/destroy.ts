import { appCommand, appOf, type AppOptions, type RegisterCommand, requireConfirmation } from "../../command.ts";
import { addonsApi } from "./types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "addons:destroy", "permanently destroy an add-on and its data; makes a new release", { json: false })
    .argument("<addon>", "the add-on's name or id")
    .option("-c, --confirm <app>", "the app's name again, to confirm")
    .action(async (addon: string, options: AppOptions & { confirm?: string }) => {
      const app = await appOf(ctx, options);
      requireConfirmation({
        confirm: options.confirm,
        expected: app,
        warning: `this destroys ${addon} and its data for good`,
        rerun: `ouro addons:destroy ${addon} -a ${app} --confirm ${app}`,
        undone: "destroyed",
      });
      await ctx.print.action(`Destroying ${addon} on ${app}`, () => addonsApi(ctx.api).destroy(app, addon));
    });
};
