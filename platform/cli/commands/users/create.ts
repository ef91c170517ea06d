import type { RegisterCommand } from "../../command.ts";
import { printUser, usersApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("users:create")
    .description("add a user (admin only); their first API key is shown this once")
    .argument("<email>", "the new user's email address")
    .option("--json", "output in json format")
    .action(async (email: string, options: { json?: boolean }) => {
      const user = await ctx.print.action(`Creating user ${email}`, () => usersApi(ctx.api).create(email));
      if (options.json) return ctx.print.json(user);
      printUser(ctx.print, user);
      ctx.print.note(`The API key is not shown again: hand it to ${user.email} now.`);
    });
};
