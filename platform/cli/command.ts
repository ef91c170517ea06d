// What every command file receives, and the options every app command shares.
import { type Command, InvalidArgumentError } from "commander";
import type { ApiClient } from "./api-client.ts";
import { CliError } from "./errors.ts";
import { DEFAULT_REMOTE, resolveApp } from "./git.ts";
import type { Printer } from "./printer.ts";

export interface CliContext {
  api: ApiClient;
  print: Printer;
  /** The directory the CLI was run in; app inference reads its git remotes. */
  cwd: string;
}

/** Each file under commands/ exports one of these. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export interface AppOptions {
  app?: string;
  remote: string;
  json?: boolean;
}

/** A command that acts on one app: `-a/--app`, `-r/--remote` and, for reads, `--json`. */
export function appCommand(program: Command, spec: string, description: string, { json = true } = {}): Command {
  const command = program
    .command(spec)
    .description(description)
    .option("-a, --app <app>", "app to run command against")
    .option("-r, --remote <remote>", "git remote of app to use", DEFAULT_REMOTE);
  if (json) command.option("--json", "output in json format");
  return command;
}

export function appOf(ctx: CliContext, options: AppOptions): Promise<string> {
  return resolveApp({ app: options.app, remote: options.remote, cwd: ctx.cwd });
}

/** commander parser for `-n/--num`: a positive whole number. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

/**
 * The guard before what cannot be undone (apps:destroy, addons:destroy, users:remove): `--confirm`
 * must repeat `expected`. `warning` says what would happen, `rerun` is the command that proceeds.
 */
export function requireConfirmation(opts: { confirm: string | undefined; expected: string; warning: string; rerun: string; undone: string }): void {
  if (opts.confirm === undefined) throw new CliError(`${opts.warning}. To proceed, run: ${opts.rerun}`);
  if (opts.confirm !== opts.expected) {
    throw new CliError(`confirmation "${opts.confirm}" did not match ${opts.expected}; nothing was ${opts.undone}.`);
  }
}
