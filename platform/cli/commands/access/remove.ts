import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { collaboratorsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "access:remove", "take a collaborator off an app (its owner or an admin; anyone may remove themselves)", {
    json: false,
  })
    .argument("<email>", "the collaborator's email address")
    .action(async (email: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      await ctx.print.action(`Removing ${email} access from the app ${app}`, () => collaboratorsApi(ctx.api).remove(app, email));
    });
};
