// The `ouro` CLI's process entry (bin/ouro runs it): make the clients, register one file per
// command, run the one asked for. `commands/ps/scale.ts` is `ouro ps:scale`.
import { Command } from "commander";
import { ApiClient } from "./api-client.ts";
import type { CliContext, RegisterCommand } from "./command.ts";
import { resolveConfig } from "./config.ts";
import { describeError } from "./errors.ts";
import { createPrinter } from "./printer.ts";
import { useTopicHelp } from "./topics.ts";
import { register as access } from "./commands/access/register.ts";
import { register as addons } from "./commands/addons/register.ts";
import { register as apps } from "./commands/apps/index.ts";
import { register as appsCreate } from "./commands/apps/create.ts";
import { register as appsDestroy } from "./commands/apps/destroy.ts";
import { register as appsInfo } from "./commands/apps/info.ts";
import { register as appsTransfer } from "./commands/apps/transfer.ts";
import { register as audit } from "./commands/audit/index.ts";
import { register as authToken } from "./commands/auth/token.ts";
import { register as authorizations } from "./commands/authorizations/index.ts";
import { register as authorizationsCreate } from "./commands/authorizations/create.ts";
import { register as authorizationsInfo } from "./commands/authorizations/info.ts";
import { register as authorizationsRevoke } from "./commands/authorizations/revoke.ts";
import { register as builds } from "./commands/builds/index.ts";
import { register as certs } from "./commands/certs/register.ts";
import * as buildpacks from "./commands/buildpacks/commands.ts";
import { register as config } from "./commands/config/index.ts";
import { register as configGet } from "./commands/config/get.ts";
import { register as configSet } from "./commands/config/set.ts";
import { register as configUnset } from "./commands/config/unset.ts";
import { register as cron } from "./commands/cron/index.ts";
import { register as domains } from "./commands/domains/register.ts";
import { register as drains } from "./commands/drains/register.ts";
import { register as gitRemote } from "./commands/git/remote.ts";
import { register as logs } from "./commands/logs/index.ts";
import { register as maintenance } from "./commands/maintenance/register.ts";
import { register as ps } from "./commands/ps/index.ts";
import { register as psPlan } from "./commands/ps/plan.ts";
import { register as psRestart } from "./commands/ps/restart.ts";
import { register as psScale } from "./commands/ps/scale.ts";
import { register as psStop } from "./commands/ps/stop.ts";
import { register as psStrategy } from "./commands/ps/strategy.ts";
import { register as psType } from "./commands/ps/type.ts";
import { register as psWait } from "./commands/ps/wait.ts";
import { register as releases } from "./commands/releases/index.ts";
import { register as releasesInfo } from "./commands/releases/info.ts";
import { register as releasesRollback } from "./commands/releases/rollback.ts";
import { register as run } from "./commands/run/index.ts";
import { register as systemUpgrade } from "./commands/system/upgrade.ts";
import { register as users } from "./commands/users/register.ts";

const COMMANDS: RegisterCommand[] = [
  ...buildpacks.commands,
  access, addons, apps, appsCreate, appsDestroy, appsInfo, appsTransfer, audit, authToken, authorizations, authorizationsCreate,
  authorizationsInfo, authorizationsRevoke, builds, certs, config, configGet, configSet, configUnset,
  cron, domains, drains, gitRemote, logs, maintenance, ps, psPlan, psRestart, psScale, psStop, psStrategy, psType, psWait, releases, releasesInfo, releasesRollback, run, systemUpgrade, users,
];

const debug = !["", "0", "false"].includes(process.env.OURO_DEBUG ?? "");

/** The one way the CLI fails: the message on stderr (a stack only with OURO_DEBUG), exit 1. */
function fail(err: unknown): void {
  process.stderr.write(`${describeError(err, { debug })}\n`);
  process.exitCode = 1;
}

// What escapes a command's promise (a stream's error event, a timer) fails the same way.
process.on("uncaughtException", (err) => {
  fail(err);
  process.exit();
});
process.on("unhandledRejection", (err) => {
  fail(err);
  process.exit();
});

// `ouro logs | head` closes stdout early; that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  fail(err);
  process.exit();
});

try {
  const settings = resolveConfig(process.env);
  const ctx: CliContext = {
    api: new ApiClient({ url: settings.apiUrl, key: settings.apiKey, keyFile: settings.keyFile }),
    print: createPrinter({ stdout: process.stdout, stderr: process.stderr }),
    cwd: process.cwd(),
  };
  const program = new Command("ouro")
    .description("Ouro, a self-hosting PaaS. Commands follow heroku's grammar: ouro <topic>:<command> [-a APP]")
    .showHelpAfterError("(run ouro <command> --help for usage)")
    // Lets `run` hand everything after its command on, as heroku's does (`ouro run ls -la`).
    .enablePositionalOptions();
  for (const register of COMMANDS) register(program, ctx);
  useTopicHelp(program);
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
