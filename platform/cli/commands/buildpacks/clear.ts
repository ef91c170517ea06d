import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { replaceBuildpacks, warnBuildpackUrl } from "./installations.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "buildpacks:clear", "clear all buildpacks set on the app; the next build detects them", { json: false })
    .action(async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      await replaceBuildpacks(ctx, app, []);
      ctx.print.line(`Buildpacks cleared. Next release on ${app} will detect buildpacks normally.`);
      await warnBuildpackUrl(ctx, app, []);
    });
};
