import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import type { Ref } from "../../types.ts";

/** Heroku's app transfer as Ouro's API returns it: accepted at once, `owner` is the previous one. */
interface AppTransfer {
  id: string;
  app: Ref;
  owner: { id: string; email: string };
  recipient: { id: string; email: string };
  state: string;
}

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "apps:transfer", "give an app to another user of this Ouro (its owner or an admin)", { json: false })
    .argument("<recipient>", "the new owner's email address")
    .action(async (recipient: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const transfer = await ctx.print.action(`Transferring ${app} to ${recipient}`, () =>
        ctx.api.request<AppTransfer>("POST", "/account/app-transfers", { app, recipient }),
      );
      ctx.print.note(`${transfer.owner.email} stays on ${app} as a collaborator (ouro access:remove to take them off).`);
    });
};
