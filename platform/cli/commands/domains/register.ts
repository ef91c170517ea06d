// The `domains` topic's commands, registered together so main.ts needs one line.
import type { RegisterCommand } from "../../command.ts";
import { register as domains } from "./index.ts";
import { register as domainsAdd } from "./add.ts";
import { register as domainsInfo } from "./info.ts";
import { register as domainsRemove } from "./remove.ts";

export const register: RegisterCommand = (program, ctx) => {
  for (const command of [domains, domainsAdd, domainsInfo, domainsRemove]) command(program, ctx);
};
