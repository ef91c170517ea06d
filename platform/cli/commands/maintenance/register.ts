// The `maintenance` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as maintenance } from "./index.ts";
import { register as maintenanceOff } from "./off.ts";
import { register as maintenanceOn } from "./on.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [maintenance, maintenanceOn, maintenanceOff]) command(program, ctx);
};
