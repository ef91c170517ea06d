// `ouro ps:wait [--timeout SECONDS]`: polls the app's dyno plan until live equals desired and every
// dyno is up (`converged`), a line on stderr each time what is left changes; plain lines, so a
// CI log reads the same as a terminal.
import { setTimeout as sleep } from "node:timers/promises";
import { appCommand, appOf, type AppOptions, positiveInteger, type RegisterCommand } from "../../command.ts";
import { CliError } from "../../errors.ts";
import { progress } from "../../plan-output.ts";

interface WaitOptions extends AppOptions {
  timeout: number;
  interval: number;
}

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:wait", "wait until the app's dynos match its formation and release, and are all up")
    .option("--timeout <seconds>", "give up, and fail, after this long", positiveInteger, 300)
    .option("--interval <ms>", "how often to look", positiveInteger, 1000)
    .action(async (options: WaitOptions) => {
      const app = await appOf(ctx, options);
      const deadline = Date.now() + options.timeout * 1000;
      let said: string | undefined;
      for (;;) {
        const plan = await ctx.api.formationPlan(app);
        const now = progress(plan);
        if (plan.converged) {
          if (options.json) return ctx.print.json(plan);
          return ctx.print.line(`Live equals desired: ${now}`);
        }
        if (said === undefined) ctx.print.note(`Waiting up to ${options.timeout}s for ${app}'s dynos to match its formation (ouro ps:plan shows the plan)`);
        if (now !== said) ctx.print.note(now);
        said = now;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new CliError(`${app}'s dynos did not match its formation within ${options.timeout}s: ${now}. See ouro ps:plan -a ${app}, and ouro logs -a ${app} for a dyno that does not come up.`);
        }
        await sleep(Math.min(options.interval, left));
      }
    });
};
