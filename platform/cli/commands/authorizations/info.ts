import type { RegisterCommand } from "../../command.ts";
import { authorizationsApi, printAuthorization } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("authorizations:info")
    .description("show one of your API keys (never its token)")
    .argument("<id>", "the authorization's id (ouro authorizations lists them)")
    .option("--json", "output in json format")
    .action(async (id: string, options: { json?: boolean }) => {
      const auth = await authorizationsApi(ctx.api).info(id);
      if (options.json) return ctx.print.json(auth);
      printAuthorization(ctx.print, auth);
    });
};
