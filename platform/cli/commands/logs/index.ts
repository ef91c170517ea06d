import { appCommand, appOf, type AppOptions, positiveInteger, type RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "logs", "show an app's recent logs, or follow them with --tail", { json: false })
    .option("-n, --num <n>", "how many recent lines to show", positiveInteger, 100)
    .option("-t, --tail", "keep streaming new lines")
    .option("-d, --dyno <dyno>", "only this dyno (web.1) or process type (web)")
    .option("-s, --source <source>", "only this source: app, router or ouro")
    .action(async (options: AppOptions & { num: number; tail?: boolean; dyno?: string; source?: string }) => {
      const app = await appOf(ctx, options);
      const session = await ctx.api.createLogSession(app, {
        lines: options.num,
        tail: Boolean(options.tail),
        ...(options.dyno ? { dyno: options.dyno } : {}),
        ...(options.source ? { source: options.source } : {}),
      });
      const stream = await ctx.api.stream(session.logplex_url);
      for await (const chunk of stream) ctx.print.stdout.write(String(chunk));
    });
};
