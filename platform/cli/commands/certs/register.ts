// The `certs` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as certs } from "./index.ts";
import { register as certsAdd } from "./add.ts";
import { register as certsInfo } from "./info.ts";
import { register as certsRemove } from "./remove.ts";
import { register as certsUpdate } from "./update.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [certs, certsAdd, certsInfo, certsRemove, certsUpdate]) command(program, ctx);
};
