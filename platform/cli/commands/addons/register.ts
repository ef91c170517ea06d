// The `addons` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as addons } from "./index.ts";
import { register as addonsCreate } from "./create.ts";
import { register as addonsDestroy } from "./destroy.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [addons, addonsCreate, addonsDestroy]) command(program, ctx);
};
