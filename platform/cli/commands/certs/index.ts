import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";
import { certsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "certs", "list an app's SSL certificates").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const certs = await certsApi(ctx.api).list(app);
    if (options.json) return ctx.print.json(certs);
    if (certs.length === 0) {
      ctx.print.line(`${app} has no SSL certificates.`);
      ctx.print.line("Use ouro certs:add CRT KEY to add one.");
      return;
    }
    ctx.print.table(certs, [
      { header: "Name", get: (e) => e.name },
      { header: "Common Name(s)", get: (e) => e.ssl_cert.cert_domains.join(", ") },
      { header: "Expires", get: (e) => formatTime(e.ssl_cert.expires_at) },
      { header: "Trusted", get: (e) => (e.ssl_cert["ca_signed?"] ? "True" : "False") },
      { header: "Type", get: () => "SNI" },
      { header: "Domains", get: (e) => String(e.domains.length) },
    ]);
  });
};
