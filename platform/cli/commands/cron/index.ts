import type { CronEntry } from "../../../lib/cron-contract.ts";
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "cron", "list the cron entries of an app's app.json (current release), schedules in UTC").action(
    async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      const entries = await ctx.api.request<CronEntry[]>("GET", `/apps/${encodeURIComponent(app)}/cron`);
      if (options.json) return ctx.print.json(entries);
      if (entries.length === 0) return ctx.print.line(`${app} has no cron entries (add "cron" to app.json and push).`);
      ctx.print.heading(`${app} Cron (UTC)`);
      ctx.print.table(entries, [
        { header: "Schedule", get: (e) => e.schedule },
        { header: "Command", get: (e) => (e.error ? `${e.command}  (not run: ${e.error})` : e.command) },
      ]);
    },
  );
};
