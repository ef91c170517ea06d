import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { domainsApi } from "./shared.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "domains:remove", "remove a custom domain from an app", { json: false })
    .argument("<hostname>", "the hostname (or the domain's id)")
    .action(async (hostname: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      await ctx.print.action(`Removing ${hostname} from ${app}`, () => domainsApi(ctx.api).remove(app, hostname));
    });
};
