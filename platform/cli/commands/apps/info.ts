import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { formatTime } from "../../printer.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "apps:info", "show an app's details").action(async (options: AppOptions) => {
    const name = await appOf(ctx, options);
    const [app, formation] = await Promise.all([ctx.api.app(name), ctx.api.formation(name)]);
    if (options.json) return ctx.print.json({ app, formation });
    const dynos = formation
      .filter((f) => f.quantity > 0)
      .map((f) => `${f.type}: ${f.quantity}`)
      .join(", ");
    ctx.print.heading(app.name);
    ctx.print.keyValues([
      ["Buildpacks", app.buildpack_provided_description ?? ""],
      ["Dynos", dynos],
      ["Git URL", app.git_url],
      ["Owner", app.owner.email],
      ["Region", app.region.name],
      ["Released At", app.released_at ? formatTime(app.released_at) : ""],
      ["Stack", app.stack.name],
      ...(app.system ? [["System", "true"] as const] : []),
      ["Web URL", app.web_url],
    ]);
  });
};
