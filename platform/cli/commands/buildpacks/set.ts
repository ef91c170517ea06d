import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { buildpackIndex, buildpackUrls, printUpdate, refuseDuplicate, replaceBuildpacks } from "./installations.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "buildpacks:set", "set the app's buildpack, replacing the one at the index (default 1)", { json: false })
    .argument("<buildpack>", "one of Ouro's buildpacks (nodejs, static, procfile), a .tgz URL or a git URL[#ref]")
    .option("-i, --index <n>", "the 1-based index of the buildpack to replace", buildpackIndex)
    .action(async (buildpack: string, options: AppOptions & { index?: number }) => {
      const app = await appOf(ctx, options);
      const urls = await buildpackUrls(ctx, app);
      refuseDuplicate(urls, buildpack);
      const at = Math.min((options.index ?? 1) - 1, urls.length);
      urls.splice(at, 1, buildpack);
      printUpdate(ctx, app, "set", await replaceBuildpacks(ctx, app, urls));
    });
};
