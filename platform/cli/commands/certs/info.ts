import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { certsApi, chooseCertificate, printCertificate, servedHostnames } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "certs:info", "show an SSL certificate of an app: whom it names, who issued it, until when, which domains it serves")
    .option("--name <name>", "the certificate's name (needed when the app has several)")
    .action(async (options: AppOptions & { name?: string }) => {
      const app = await appOf(ctx, options);
      const chosen = await chooseCertificate(ctx.api, app, options.name);
      const endpoint = await certsApi(ctx.api).info(app, chosen.id);
      if (options.json) return ctx.print.json(endpoint);
      printCertificate(ctx.print, endpoint, await servedHostnames(ctx.api, endpoint));
    });
};
