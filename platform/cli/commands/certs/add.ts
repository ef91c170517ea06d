import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { certsApi, printCertificate, readUpload, servedHostnames } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "certs:add", "add an SSL certificate to an app: the router serves it over HTTPS for the app's domains it covers")
    .argument("<crt>", "the certificate file (PEM: the certificate, then any intermediate certificates)")
    .argument("<key>", "its private key file (PEM, unencrypted)")
    .action(async (crt: string, key: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const upload = await readUpload(crt, key);
      const endpoint = await ctx.print.action(`Adding SSL certificate to ${app}`, () => certsApi(ctx.api).add(app, upload));
      if (options.json) return ctx.print.json(endpoint);
      printCertificate(ctx.print, endpoint, await servedHostnames(ctx.api, endpoint));
    });
};
