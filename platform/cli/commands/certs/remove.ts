import { appCommand, appOf, type AppOptions, type RegisterCommand, requireConfirmation } from "../../command.ts";
import { certsApi, chooseCertificate } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "certs:remove", "remove an SSL certificate from an app: its domains are served with the platform's certificate", {
    json: false,
  })
    .option("--name <name>", "the certificate's name (needed when the app has several)")
    .option("-c, --confirm <app>", "the app's name again, to confirm")
    .action(async (options: AppOptions & { name?: string; confirm?: string }) => {
      const app = await appOf(ctx, options);
      const endpoint = await chooseCertificate(ctx.api, app, options.name);
      requireConfirmation({
        confirm: options.confirm,
        expected: app,
        warning: `this removes the SSL certificate ${endpoint.name} from ${app} for good`,
        rerun: `ouro certs:remove --name ${endpoint.name} -a ${app} --confirm ${app}`,
        undone: "removed",
      });
      await ctx.print.action(`Removing SSL certificate ${endpoint.name} from ${app}`, () => certsApi(ctx.api).remove(app, endpoint.id));
    });
};
