import type { RegisterCommand } from "../../command.ts";
import { authorizationsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("authorizations:revoke")
    .description("revoke one of your API keys; requests with it are refused from now on")
    .argument("<id>", "the authorization's id (ouro authorizations lists them)")
    .action(async (id: string) => {
      await ctx.print.action(`Revoking OAuth Authorization ${id}`, () => authorizationsApi(ctx.api).revoke(id));
    });
};
