// `ouro ps:type web=standard-2X worker=1X`, `ouro ps:type performance-M` (every process type):
// heroku's ps:type (alias ps:resize). Without arguments it shows each type's size.
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { printDynoTypes } from "../../dyno-output.ts";
import { parseTypeArgs } from "../../scale.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:type", "set the dyno size of process types: TYPE=SIZE…, or one SIZE for every type")
    .alias("ps:resize")
    .argument("[sizes...]", "e.g. web=standard-2X worker=1X, or standard-2X; without any, show the sizes")
    .action(async (args: string[], options: AppOptions) => {
      const app = await appOf(ctx, options);
      if (args.length > 0) {
        // Only the one-size form needs the types; a TYPE=SIZE list is checked by the API.
        const types = args.length === 1 && !args[0]!.includes("=") ? (await ctx.api.formation(app)).map((f) => f.type) : [];
        const updates = parseTypeArgs(args, types);
        await ctx.print.action(`Scaling dynos on ${app}`, () => ctx.api.updateFormation(app, updates));
      }
      const formation = await ctx.api.formation(app);
      if (options.json) return ctx.print.json(formation);
      printDynoTypes(ctx.print, formation);
    });
};
