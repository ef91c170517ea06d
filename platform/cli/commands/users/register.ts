// The `users` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as users } from "./index.ts";
import { register as usersCreate } from "./create.ts";
import { register as usersRemove } from "./remove.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [users, usersCreate, usersRemove]) command(program, ctx);
};
