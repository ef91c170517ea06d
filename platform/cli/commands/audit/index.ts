import { positiveInteger, type RegisterCommand } from "../../command.ts";
import { appFromRemote, DEFAULT_REMOTE, resolveApp } from "../../git.ts";
import { formatTime } from "../../printer.ts";
import { type AuditEntry, summarizeAudit } from "./summary.ts";

export const register: RegisterCommand = (program, ctx) => {
  program
    .command("audit")
    .description("who changed what, newest first: the app's entries (-a, or the checkout's app), else all you may read")
    .option("-a, --app <app>", "app to run command against")
    .option("-r, --remote <remote>", `git remote of app to use (default: ${DEFAULT_REMOTE}, when the checkout has it)`)
    .option("-A, --all", "every entry you may read, even inside an app's checkout (an admin reads them all)")
    .option("-n, --num <n>", "how many entries to show (at most 1000)", positiveInteger, 50)
    .option("--json", "output in json format")
    .action(async (options: { app?: string; remote?: string; all?: boolean; num: number; json?: boolean }) => {
      const app = options.all ? undefined : await optionalApp(ctx.cwd, options);
      const path = app ? `/apps/${encodeURIComponent(app)}/audit` : "/audit";
      const entries = await ctx.api.request<AuditEntry[]>("GET", `${path}?limit=${options.num}`);
      if (options.json) return ctx.print.json(entries);
      if (entries.length === 0) return ctx.print.line(app ? `${app} has no audit entries.` : "No audit entries.");
      ctx.print.table(entries, [
        { header: "time", get: (e) => formatTime(e.created_at) },
        { header: "user", get: (e) => e.actor.email },
        { header: "address", get: (e) => e.address ?? "" },
        { header: "app", get: (e) => e.app?.name ?? "" },
        { header: "action", get: (e) => e.action },
        { header: "detail", get: summarizeAudit },
      ]);
    });
};

/**
 * As heroku's commands whose app is optional (`heroku addons`): -a or -r name one, else the
 * checkout's `ouro` remote when it has one, else none (the whole trail).
 */
async function optionalApp(cwd: string, options: { app?: string; remote?: string }): Promise<string | undefined> {
  if (options.app || options.remote) return resolveApp({ app: options.app, remote: options.remote, cwd });
  return appFromRemote(cwd, DEFAULT_REMOTE);
}
