import { type RegisterCommand, requireConfirmation } from "../../command.ts";
import { usersApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("users:remove")
    .description("remove a user who owns no app; their API keys and collaborations go with them (admin only)")
    .argument("<email>", "the user's email address (or id)")
    .option("-c, --confirm <email>", "the same email again, to confirm")
    .action(async (email: string, options: { confirm?: string }) => {
      requireConfirmation({
        confirm: options.confirm,
        expected: email,
        warning: `this removes ${email} and their API keys for good`,
        rerun: `ouro users:remove ${email} --confirm ${email}`,
        undone: "removed",
      });
      await ctx.print.action(`Removing user ${email}`, () => usersApi(ctx.api).remove(email));
    });
};
