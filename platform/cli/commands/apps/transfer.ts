import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import type { AppTransferResource } from "../../../lib/access-contract.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "apps:transfer", "give an app to another user of this Ouro (its owner or an admin)", { json: false })
    .argument("<recipient>", "the new owner's email address")
    .action(async (recipient: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const transfer = await ctx.print.action(`Transferring ${app} to ${recipient}`, () =>
        ctx.api.request<AppTransferResource>("POST", "/account/app-transfers", { app, recipient }),
      );
      ctx.print.note(`${transfer.owner.email} stays on ${app} as a collaborator (ouro access:remove to take them off).`);
    });
};
