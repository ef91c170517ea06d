import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { isRelative, parseScaleArgs, resolveScale } from "../../scale.ts";
import { formationSummary } from "../../dyno-output.ts";
import { sizeLabel } from "../../../lib/dyno-sizes.ts";
import type { Formation } from "../../types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps:scale", "scale dynos: TYPE=N, TYPE+N or TYPE-N, with :SIZE optionally (web=2:standard-2X)")
    .argument("[changes...]", "e.g. web=2 worker=1; without any, show the formation")
    .action(async (args: string[], options: AppOptions) => {
      const changes = parseScaleArgs(args);
      const app = await appOf(ctx, options);
      if (changes.length === 0) {
        const formation = await ctx.api.formation(app);
        if (options.json) return ctx.print.json(formation);
        return ctx.print.line(formationSummary(formation));
      }
      const current = isRelative(changes) ? await ctx.api.formation(app) : [];
      const updates = resolveScale(changes, current);
      const updated = await ctx.print.action(
        "Scaling dynos",
        () => ctx.api.updateFormation(app, updates),
        (formation) => `done, now running ${describe(formation)}`,
      );
      if (options.json) ctx.print.json(updated);
    });
};

const describe = (formation: readonly Formation[]) =>
  formation.map((f) => `${f.type} at ${f.quantity}:${sizeLabel(f.size)}`).join(", ");
