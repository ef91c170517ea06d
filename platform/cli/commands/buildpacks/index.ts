import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { buildpackUrls, listLines } from "./installations.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "buildpacks", "show an app's buildpacks, in the order they run").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const urls = await buildpackUrls(ctx, app);
    if (options.json) return ctx.print.json(urls.map((url, ordinal) => ({ ordinal, buildpack: { url, name: url } })));
    if (urls.length === 0) return ctx.print.line(`${app} has no Buildpack URL set.`);
    ctx.print.heading(`${app} Buildpack URL${urls.length > 1 ? "s" : ""}`);
    for (const line of listLines(urls)) ctx.print.line(line);
  });
};
