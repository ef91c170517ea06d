// `ouro run CMD`: a one-off dyno of the app's current release, attached as heroku's `run` is:
// with a terminal when stdin is one (keys, Ctrl-C and window size reach the dyno), plain stdin
// and output otherwise (a pipe, a script, `--no-tty`); the CLI exits with the command's exit
// status. `run:detached` only starts it; its output goes to the app's logs. Both take heroku's
// `-s SIZE` and a time limit, `--ttl` (default 24 h), after which the dyno is stopped.
import { type Command, InvalidArgumentError } from "commander";
import { background } from "../../../lib/background.ts";
import { sizeLabel } from "../../../lib/dyno-sizes.ts";
import { type RunResource, type TerminalSize, formatTimeToLive, parseTimeToLive } from "../../../lib/run-contract.ts";
import { appCommand, appOf, type AppOptions, type CliContext, type RegisterCommand } from "../../command.ts";
import { attachToDyno } from "../../rendezvous.ts";

interface RunOptions extends AppOptions {
  size?: string;
  ttl?: number;
  /** false with `--no-tty`. */
  tty: boolean;
}

function timeToLive(value: string): number {
  const seconds = parseTimeToLive(value);
  if (seconds === undefined) throw new InvalidArgumentError("expected seconds (90) or a duration (90s, 10m, 2h), from 1 s to 24 h");
  return seconds;
}

const withRunOptions = (command: Command) =>
  command
    .option("-s, --size <size>", "dyno size: standard-1X (default), standard-2X, performance-M, performance-L (or 1X, 2X, PM, PL)")
    .option("--ttl <duration>", "time limit, after which the dyno is stopped: seconds, or 90s, 10m, 2h (default 24h)", timeToLive)
    .passThroughOptions();

const enc = encodeURIComponent;

function startRun(ctx: CliContext, app: string, command: string[], options: RunOptions, attach?: { tty: boolean }) {
  const body = {
    command: command.join(" "),
    ...(options.size ? { size: options.size } : {}),
    ...(options.ttl ? { time_to_live: options.ttl } : {}),
    ...(attach ? { attach: true, force_no_tty: !attach.tty, env: terminalEnv(attach.tty) } : {}),
  };
  return ctx.api.request<RunResource>("POST", `/apps/${enc(app)}/dynos`, body);
}

/** What heroku's CLI tells the dyno of the terminal: its type and size. */
function terminalEnv(tty: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (tty) env.TERM = process.env.TERM || "xterm";
  if (tty && process.stdout.isTTY && process.stdout.columns > 0 && process.stdout.rows > 0) {
    env.COLUMNS = String(process.stdout.columns);
    env.LINES = String(process.stdout.rows);
  }
  return env;
}

/** The run's exit code once the dyno manager has recorded it (right after the session ends). */
async function exitCode(ctx: CliContext, app: string, run: RunResource): Promise<number | null> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const now = await ctx.api.request<RunResource>("GET", `/apps/${enc(app)}/dynos/${enc(run.id)}`);
    if (now.state !== "starting" && now.state !== "up") return now.exit_code;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const register: RegisterCommand = (program, ctx) => {
  withRunOptions(appCommand(program, "run:detached <command...>", "run a one-off dyno in the background; its output goes to the app's logs")).action(
    async (command: string[], options: RunOptions) => {
      const app = await appOf(ctx, options);
      const dyno = await startRun(ctx, app, command, options);
      if (options.json) return ctx.print.json(dyno);
      ctx.print.line(`Running ${command.join(" ")} on ${app}... up, ${dyno.name} (${sizeLabel(dyno.size)})`);
      ctx.print.note(`Run ouro logs -a ${app} -d ${dyno.name} to view the output; it is stopped after ${formatTimeToLive(dyno.time_to_live)}.`);
    },
  );

  withRunOptions(appCommand(program, "run <command...>", "run a one-off dyno attached to this terminal; exits with the command's status", { json: false }))
    .option("--no-tty", "no terminal in the dyno, even when stdin is one: plain stdin and output")
    .action(async (command: string[], options: RunOptions) => {
      const app = await appOf(ctx, options);
      const tty = options.tty && Boolean(process.stdin.isTTY);
      const dyno = await startRun(ctx, app, command, options, { tty });
      // One resize at a time, the newest size last: two sent at once (`stty cols 120 rows 40` makes two
      // SIGWINCHs) could arrive in either order and leave the dyno at the older size. A lost resize
      // leaves the old size: worth a note, not the session.
      let sending = false;
      let newest: TerminalSize | undefined;
      const sendNewest = (): void => {
        const size = newest;
        if (sending || !size) return;
        newest = undefined;
        sending = true;
        background((line) => ctx.print.note(`\r\n(${line})\r`), "resizing the dyno's terminal", () =>
          ctx.api
            .request("POST", `/apps/${enc(app)}/dynos/${enc(dyno.id)}/actions/resize`, size)
            .catch((error: Error) => ctx.print.note(`\r\n(the dyno's terminal kept its size: ${error.message})\r`))
            .finally(() => {
              sending = false;
              sendNewest();
            }),
        );
      };
      const resize = (size: TerminalSize) => {
        newest = size;
        sendNewest();
      };
      await attachToDyno({
        url: dyno.attach_url,
        fingerprint: dyno.attach_fingerprint,
        tty,
        stdin: process.stdin,
        stdout: process.stdout,
        onUp: () => ctx.print.note(`Running ${command.join(" ")} on ${app}... up, ${dyno.name} (${sizeLabel(dyno.size)})`),
        onResize: resize,
        onLeave: async () => void (await ctx.api.stopDynos(app, dyno.name)),
      });
      const code = await exitCode(ctx, app, dyno);
      if (code === null) ctx.print.note(`${dyno.name} ended without an exit status`);
      process.exitCode = code ?? 1;
    });
};
