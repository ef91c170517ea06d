// `ouro drains`, `drains:add URL` and `drains:remove URL|TOKEN`: where an app's log lines are forwarded.
import type { ApiClient } from "../../api-client.ts";
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import type { DrainResource } from "../../../lib/drains-contract.ts";

const enc = encodeURIComponent;
const drainsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<DrainResource[]>("GET", `/apps/${enc(app)}/log-drains`),
  add: (app: string, url: string) => api.request<DrainResource>("POST", `/apps/${enc(app)}/log-drains`, { url }),
  remove: (app: string, ref: string) => api.request<DrainResource>("DELETE", `/apps/${enc(app)}/log-drains/${enc(ref)}`),
});

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "drains", "list an app's log drains").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const drains = await drainsApi(ctx.api).list(app);
    if (options.json) return ctx.print.json(drains);
    if (!drains.length) return ctx.print.note(`${app} has no log drains.`);
    ctx.print.heading("Drains");
    ctx.print.table(drains, [{ get: (d) => d.url }, { get: (d) => `(${d.token})` }]);
  });

  appCommand(program, "drains:add", "forward every line of the app's log to a URL: syslog://HOST:PORT, syslog+tls://HOST:PORT or http(s)://…", { json: false })
    .argument("<url>", "where the lines go")
    .action(async (url: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const drain = await ctx.print.action(`Adding ${url} to ${app}`, () => drainsApi(ctx.api).add(app, url));
      ctx.print.line(`Successfully added drain ${drain.url} (${drain.token})`);
    });

  appCommand(program, "drains:remove", "stop forwarding the app's log to a drain", { json: false })
    .argument("<url>", "the drain's URL or token")
    .action(async (ref: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      const drain = await ctx.print.action(`Removing ${ref} from ${app}`, () => drainsApi(ctx.api).remove(app, ref));
      ctx.print.line(`Successfully removed drain ${drain.url}`);
    });
};
