import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { buildpackIndex, buildpackUrls, printUpdate, refuseDuplicate, replaceBuildpacks } from "./installations.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "buildpacks:add", "add a buildpack to the app's list (at the end, or at the index)", { json: false })
    .argument("<buildpack>", "one of Ouro's buildpacks (nodejs, static, procfile), a .tgz URL or a git URL[#ref]")
    .option("-i, --index <n>", "the 1-based index to insert it at", buildpackIndex)
    .action(async (buildpack: string, options: AppOptions & { index?: number }) => {
      const app = await appOf(ctx, options);
      const urls = await buildpackUrls(ctx, app);
      refuseDuplicate(urls, buildpack);
      urls.splice(Math.min((options.index ?? urls.length + 1) - 1, urls.length), 0, buildpack);
      printUpdate(ctx, app, "added", await replaceBuildpacks(ctx, app, urls));
    });
};
