import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";
import { changeConfigVars } from "../../config-vars.ts";

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "config:unset", "remove config vars; makes a new release", { json: false })
    .argument("<keys...>", "the config vars to remove")
    .option("--no-wait", "return once the release is made, without waiting for its release phase and new dynos")
    .action(async (keys: string[], options: AppOptions & { wait: boolean }) => {
      const app = await appOf(ctx, options);
      const changes = Object.fromEntries(keys.map((key) => [key, null]));
      await changeConfigVars(ctx, { app, changes, verb: "Unsetting", wait: options.wait });
    });
};
