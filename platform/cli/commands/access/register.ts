// The `access` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as access } from "./index.ts";
import { register as accessAdd } from "./add.ts";
import { register as accessRemove } from "./remove.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [access, accessAdd, accessRemove]) command(program, ctx);
};
