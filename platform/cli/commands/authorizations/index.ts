import type { RegisterCommand } from "../../command.ts";
import { authorizationsApi, printAuthorizations } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("authorizations")
    .description("list your API keys (never their tokens)")
    .option("--json", "output in json format")
    .action(async (options: { json?: boolean }) => {
      const auths = await authorizationsApi(ctx.api).list();
      if (options.json) return ctx.print.json(auths);
      if (auths.length === 0) return ctx.print.note("No authorizations.");
      printAuthorizations(ctx.print, auths);
    });
};
