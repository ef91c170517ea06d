import type { RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("apps")
    .description("list your apps")
    .option("--all", "include the platform's system apps (builder, cron, ...)")
    .option("--json", "output in json format")
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const apps = await ctx.api.apps(Boolean(options.all));
      if (options.json) return ctx.print.json(apps);
      if (apps.length === 0) return ctx.print.line("You have no apps.");
      ctx.print.heading(options.all ? "All Apps" : "Apps");
      ctx.print.table(
        [...apps].sort((a, b) => a.name.localeCompare(b.name)),
        [{ get: (app) => app.name }, { get: (app) => (app.system ? "(system)" : "") }],
      );
    });
};
