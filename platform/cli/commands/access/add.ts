import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { collaboratorsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "access:add", "let another user of this Ouro use an app (its owner or an admin)", { json: false })
    .argument("<email>", "the user's email address")
    .action(async (email: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      await ctx.print.action(`Adding ${email} access to the app ${app}`, () => collaboratorsApi(ctx.api).add(app, email));
    });
};
