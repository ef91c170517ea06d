import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";
import { domainsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "domains:info", "show one of an app's domains")
    .argument("<hostname>", "the hostname (or the domain's id)")
    .action(async (hostname: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const domain = await domainsApi(ctx.api).info(app, hostname);
      if (options.json) return ctx.print.json(domain);
      ctx.print.heading(domain.hostname);
      ctx.print.keyValues([
        ["App", domain.app.name],
        ["Kind", domain.kind],
        ["DNS Target", domain.cname ?? ""],
        ["SNI Endpoint", domain.sni_endpoint?.name ?? ""],
        ["Status", domain.status],
        ["Id", domain.id],
        ["Created At", formatTime(domain.created_at)],
        ["Updated At", formatTime(domain.updated_at)],
      ]);
    });
};
