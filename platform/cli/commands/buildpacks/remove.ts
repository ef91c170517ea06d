import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { buildpackIndex, buildpackUrls, printUpdate, replaceBuildpacks, warnBuildpackUrl } from "./installations.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "buildpacks:remove", "remove a buildpack from the app's list, by URL or by index", { json: false })
    .argument("[buildpack]", "the buildpack to remove")
    .option("-i, --index <n>", "the 1-based index of the buildpack to remove", buildpackIndex)
    .action(async (buildpack: string | undefined, options: AppOptions & { index?: number }) => {
      if ((buildpack === undefined) === (options.index === undefined)) throw new CliError("give either a buildpack or -i INDEX.");
      const app = await appOf(ctx, options);
      const urls = await buildpackUrls(ctx, app);
      if (urls.length === 0) throw new CliError(`No buildpacks were found. Next release on ${app} will detect buildpacks normally.`);
      const at = buildpack !== undefined ? urls.indexOf(buildpack) : (options.index ?? 0) - 1;
      if (buildpack !== undefined && at < 0) throw new CliError(`Buildpack not found. Nothing was removed.`);
      if (at >= urls.length) {
        throw new CliError(urls.length === 1 ? "Invalid index. Only valid value is 1." : `Invalid index. Please choose a value between 1 and ${urls.length}`);
      }
      urls.splice(at, 1);
      const left = await replaceBuildpacks(ctx, app, urls);
      printUpdate(ctx, app, "removed", left);
      await warnBuildpackUrl(ctx, app, left);
    });
};
