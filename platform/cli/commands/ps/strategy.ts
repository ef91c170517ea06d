// `ouro ps:strategy [preboot|rolling|parallel] [--batch N]`: how the app's dynos are replaced on a
// deploy, a restart or a resize; shown without an argument, set with one.
import { Argument } from "commander";
import { appCommand, appOf, type AppOptions, positiveInteger, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { describeStrategy, STRATEGIES, STRATEGY_HELP } from "../../plan-output.ts";
import type { StrategyName } from "../../types.ts";

const HELP = `\nStrategies:\n${STRATEGIES.map((name) => `  ${name.padEnd(9)} ${STRATEGY_HELP[name]}`).join("\n")}`;

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:strategy", "show or set how the app's dynos are replaced on a deploy, restart or resize")
    .addArgument(new Argument("[strategy]", "the strategy to set; without it, show the app's").choices(STRATEGIES))
    .option("--batch <n>", "with rolling: how many dynos to replace at a time", positiveInteger)
    .addHelpText("after", HELP)
    .action(async (strategy: StrategyName | undefined, options: AppOptions & { batch?: number }) => {
      if (options.batch !== undefined && strategy !== "rolling") {
        throw new CliError("--batch goes with rolling: ouro ps:strategy rolling --batch N");
      }
      const app = await appOf(ctx, options);
      const setting = strategy
        ? await ctx.print.action(`Setting the strategy of ${app} to ${strategy}`, () => ctx.api.setStrategy(app, { strategy, batch: options.batch }))
        : await ctx.api.strategy(app);
      if (options.json) return ctx.print.json(setting);
      ctx.print.line(describeStrategy(setting.strategy, setting.batch));
    });
};
