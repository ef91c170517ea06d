// The buildpacks topic's commands, registered by main.ts in one line.
import type { RegisterCommand } from "../../command.ts";
import { register as add } from "./add.ts";
import { register as clear } from "./clear.ts";
import { register as list } from "./index.ts";
import { register as remove } from "./remove.ts";
import { register as set } from "./set.ts";

export const commands: RegisterCommand[] = [list, add, clear, remove, set];
