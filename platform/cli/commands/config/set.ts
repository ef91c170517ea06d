import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { changeConfigVars, parseAssignments } from "../../config-vars.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "config:set", "set config vars; makes a new release", { json: false })
    .argument("<assignments...>", "KEY=value pairs")
    .option("--no-wait", "return once the release is made, without waiting for its release phase and new dynos")
    .action(async (args: string[], options: AppOptions & { wait: boolean }) => {
      const changes = parseAssignments(args);
      const app = await appOf(ctx, options);
      const vars = await changeConfigVars(ctx, { app, changes, verb: "Setting", wait: options.wait });
      ctx.print.keyValues(Object.keys(changes).map((key) => [key, vars[key] ?? ""] as const));
    });
};
