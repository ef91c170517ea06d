import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { shellLine } from "../../config-vars.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "config", "show an app's config vars")
    .option("-s, --shell", "output as KEY=value lines a shell can source")
    .action(async (options: AppOptions & { shell?: boolean }) => {
      const app = await appOf(ctx, options);
      const vars = await ctx.api.configVars(app);
      if (options.json) return ctx.print.json(vars);
      const entries = Object.entries(vars).sort(([a], [b]) => a.localeCompare(b));
      if (options.shell) return entries.forEach(([key, value]) => ctx.print.line(shellLine(key, value)));
      ctx.print.heading(`${app} Config Vars`);
      ctx.print.keyValues(entries);
    });
};
