import { appCommand, appOf, type AppOptions, type RegisterCommand, requireConfirmation } from "../../command.ts";
import { certsApi, chooseCertificate, printCertificate, readUpload, servedHostnames } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "certs:update", "replace an SSL certificate of an app with a renewed one (same name)")
    .argument("<crt>", "the certificate file (PEM: the certificate, then any intermediate certificates)")
    .argument("<key>", "its private key file (PEM, unencrypted)")
    .option("--name <name>", "the certificate's name (needed when the app has several)")
    .option("-c, --confirm <app>", "the app's name again, to confirm")
    .action(async (crt: string, key: string, options: AppOptions & { name?: string; confirm?: string }) => {
      const app = await appOf(ctx, options);
      const upload = await readUpload(crt, key);
      const endpoint = await chooseCertificate(ctx.api, app, options.name);
      requireConfirmation({
        confirm: options.confirm,
        expected: app,
        warning: `this replaces the SSL certificate ${endpoint.name} of ${app}`,
        rerun: `ouro certs:update ${crt} ${key} --name ${endpoint.name} -a ${app} --confirm ${app}`,
        undone: "changed",
      });
      const updated = await ctx.print.action(`Updating SSL certificate ${endpoint.name} for ${app}`, () =>
        certsApi(ctx.api).update(app, endpoint.id, upload),
      );
      if (options.json) return ctx.print.json(updated);
      printCertificate(ctx.print, updated, await servedHostnames(ctx.api, updated), "Updated certificate details:");
    });
};
