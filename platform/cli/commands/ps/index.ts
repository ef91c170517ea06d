import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { ago, formatTime } from "../../printer.ts";
import type { Dyno } from "../../types.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "ps", "list an app's dynos").action(async (options: AppOptions) => {
    const app = await appOf(ctx, options);
    const dynos = await ctx.api.dynos(app);
    if (options.json) return ctx.print.json(dynos);
    if (dynos.length === 0) return ctx.print.line(`No dynos on ${app}`);
    const now = new Date();
    for (const [i, group] of groupDynos(dynos).entries()) {
      if (i > 0) ctx.print.line();
      const first = group[0] as Dyno;
      ctx.print.heading(`${first.type} (${first.size}): ${first.command} (${group.length})`);
      for (const dyno of group) {
        ctx.print.line(`${dyno.name}: ${dyno.state} ${formatTime(dyno.updated_at)} (${ago(dyno.updated_at, now)})`);
      }
    }
  });
};

/** heroku's grouping: by process type and command, web first, dynos in number order. */
function groupDynos(dynos: readonly Dyno[]): Dyno[][] {
  const groups = new Map<string, Dyno[]>();
  for (const dyno of dynos) {
    const key = `${dyno.type}\0${dyno.size}\0${dyno.command}`;
    groups.set(key, [...(groups.get(key) ?? []), dyno]);
  }
  const rank = (type: string) => (type === "web" ? "" : type);
  return [...groups.values()]
    .sort((a, b) => rank((a[0] as Dyno).type).localeCompare(rank((b[0] as Dyno).type)))
    .map((group) => group.sort((a, b) => dynoNumber(a) - dynoNumber(b)));
}

const dynoNumber = (dyno: Dyno) => Number(dyno.name.split(".").at(-1)) || 0;
