// `ouro ps:plan`: what the dyno manager would do for the app now, changing nothing: the strategy,
// the desired and live models, the delta between them and the plan in phases.
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { printPlan } from "../../plan-output.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:plan", "show, without changing anything, the desired and live dynos, the delta and the plan to carry it out").action(
    async (options: AppOptions) => {
      const app = await appOf(ctx, options);
      const plan = await ctx.api.formationPlan(app);
      if (options.json) return ctx.print.json(plan);
      printPlan(ctx.print, plan);
    },
  );
};
