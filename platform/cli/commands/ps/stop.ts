// `ouro ps:stop web.1|web|run.2`: heroku's. A one-off dyno is stopped (SIGTERM, 30 s, SIGKILL). A
// dyno of the formation is stopped the way the app's strategy replaces it: the formation still
// wants it, so a new one takes its place (preboot: before the old one stops); `ps:scale` is how
// to have fewer.
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:stop", "stop a one-off dyno (run.1), or a dyno (web.1) or process type (web) of the formation, which new dynos replace", { json: false })
    .argument("<dyno>", "a dyno's name (web.1, run.1) or a process type (web)")
    .action(async (dyno: string, options: AppOptions) => {
      const app = await appOf(ctx, options);
      await ctx.print.action(`Stopping ${dyno.includes(".") ? `${dyno} dyno` : `${dyno} dynos`} on ${app}`, () => ctx.api.stopDynos(app, dyno));
      if (!/^(run|scheduler|release)\./.test(dyno)) {
        ctx.print.note(`The formation still wants ${dyno}: new dynos replace what stops. To run fewer, use ouro ps:scale.`);
      }
    });
};
