import type { RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("auth:token")
    .description("print the API key the CLI uses (OURO_API_KEY, HEROKU_API_KEY or the one bootstrap created)")
    .action(() => ctx.print.line(ctx.api.key()));
};
