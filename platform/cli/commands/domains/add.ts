import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { domainsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "domains:add", "add a custom domain (a hostname, or a wildcard as *.example.com) to an app")
    .argument("<hostname>", "the hostname, e.g. www.example.com")
    .option("-c, --cert <name>", "the SSL certificate to serve it with (by default, the best of the app's that covers it)")
    .action(async (hostname: string, options: AppOptions & { cert?: string }) => {
      const app = await appOf(ctx, options);
      const domain = await ctx.print.action(`Adding ${hostname} to ${app}`, () =>
        domainsApi(ctx.api).add(app, { hostname, sni_endpoint: options.cert ?? null }),
      );
      if (options.json) return ctx.print.json(domain);
      ctx.print.line(`Configure your app's DNS provider to point to the DNS Target ${domain.cname ?? ""}.`);
    });
};
