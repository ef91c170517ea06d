import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { domainsApi, recordType } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "domains", "list an app's domains: its own <app>.<domain>, then the custom ones").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const domains = await domainsApi(ctx.api).list(app);
    if (options.json) return ctx.print.json(domains);
    ctx.print.heading(`${app} Heroku Domain`);
    for (const domain of domains.filter((d) => d.kind === "heroku")) ctx.print.line(domain.hostname);
    const custom = domains.filter((d) => d.kind === "custom");
    if (custom.length === 0) return;
    ctx.print.line();
    ctx.print.heading(`${app} Custom Domains`);
    ctx.print.table(custom, [
      { header: "Domain Name", get: (d) => d.hostname },
      { header: "DNS Record Type", get: (d) => recordType(d.hostname) },
      { header: "DNS Target", get: (d) => d.cname ?? "" },
      { header: "SNI Endpoint", get: (d) => d.sni_endpoint?.name ?? "" },
    ]);
  });
};
