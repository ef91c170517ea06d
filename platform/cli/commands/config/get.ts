import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { shellLine } from "../../config-vars.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "config:get", "print one config var's value (an empty line when unset)")
    .argument("<key>", "the config var")
    .option("-s, --shell", "output as KEY=value")
    .action(async (key: string, options: AppOptions & { shell?: boolean }) => {
      const app = await appOf(ctx, options);
      const value = (await ctx.api.configVars(app))[key];
      if (options.json) return ctx.print.json(value ?? null);
      ctx.print.line(options.shell ? shellLine(key, value ?? "") : (value ?? ""));
    });
};
