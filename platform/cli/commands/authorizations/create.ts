import { InvalidArgumentError } from "commander";
import { positiveInteger, type RegisterCommand } from "../../command.ts";
import { authorizationsApi, printAuthorization, SCOPES } from "./shared.ts";

function scopeOf(value: string): string {
  if (!(SCOPES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SCOPES.join(", ")}`);
  return value;
}

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("authorizations:create")
    .description("create an API key; its token is shown this once")
    .option("-s, --scope <scope>", "global (everything) or read (GET requests and git fetch only)", scopeOf)
    .option("-e, --expires-in <seconds>", "seconds until the key expires (default: never)", positiveInteger)
    .option("-d, --description <text>", "what the key is for")
    .option("--json", "output in json format")
    .action(async (options: { scope?: string; expiresIn?: number; description?: string; json?: boolean }) => {
      const auth = await ctx.print.action("Creating OAuth Authorization", () =>
        authorizationsApi(ctx.api).create({
          description: options.description,
          scope: options.scope ? [options.scope] : undefined,
          expires_in: options.expiresIn,
        }),
      );
      if (options.json) return ctx.print.json(auth);
      printAuthorization(ctx.print, auth);
      ctx.print.note("The token is shown only this once: store it now.");
    });
};
