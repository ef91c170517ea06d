import type { RegisterCommand } from "../../command.ts";
import { printUsers, usersApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("users")
    .description("list the platform's users (admin only)")
    .option("--json", "output in json format")
    .action(async (options: { json?: boolean }) => {
      const users = await usersApi(ctx.api).list();
      if (options.json) return ctx.print.json(users);
      printUsers(ctx.print, users);
    });
};
