// `ouro run CMD`: a one-off dyno of the app's current release; its output is shown
// as it runs, and the CLI exits with the command's exit status. `run:detached` only starts it.
// `-s SIZE` picks the dyno's size, as heroku's does.
import type { Command } from "commander";
import { sizeLabel } from "../../../lib/dyno-sizes.ts";
import { appCommand, appOf, type AppOptions, type CliContext, type RegisterCommand } from "../../command.ts";

interface RunOptions extends AppOptions {
  size?: string;
}

const withSize = (command: Command) =>
  command.option("-s, --size <size>", "dyno size: standard-1X (default), standard-2X, performance-M, performance-L (or 1X, 2X, PM, PL)");

function startRun(ctx: CliContext, app: string, command: string[], options: RunOptions) {
  const body = { command: command.join(" "), ...(options.size ? { size: options.size } : {}) };
  return ctx.api.request<RunDyno>("POST", `/apps/${encodeURIComponent(app)}/dynos`, body);
}

interface RunDyno {
  id: string;
  name: string;
  state: string;
  size: string;
  exit_code: number | null;
}

export const register: RegisterCommand = (program, ctx) => {
  withSize(appCommand(program, "run:detached <command...>", "run a one-off dyno in the background; its output goes to the app's logs"))
    .passThroughOptions()
    .action(async (command: string[], options: RunOptions) => {
      const app = await appOf(ctx, options);
      const dyno = await startRun(ctx, app, command, options);
      if (options.json) return ctx.print.json(dyno);
      ctx.print.line(`Running ${command.join(" ")} on ${app}... up, ${dyno.name} (${sizeLabel(dyno.size)})`);
      ctx.print.note(`Run ouro logs -a ${app} -d ${dyno.name} to view the output.`);
    });

  withSize(appCommand(program, "run <command...>", "run a one-off dyno and show its output until it exits", { json: false }))
    .passThroughOptions()
    .action(async (command: string[], options: RunOptions) => {
      const app = await appOf(ctx, options);
      const dyno = await startRun(ctx, app, command, options);
      ctx.print.note(`Running ${command.join(" ")} on ${app}... ${dyno.name} (${sizeLabel(dyno.size)})`);
      const session = await ctx.api.createLogSession(app, { lines: 1500, tail: true, dyno: dyno.name });
      const stream = await ctx.api.stream(session.logplex_url);
      let pending = "";
      stream.on("data", (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        // `<time> app[run.1]: text` → `text`; the platform's own lines stay on stderr.
        for (const line of lines) {
          const match = /^\S+ (app|ouro)\[[^\]]+\]: (.*)$/.exec(line);
          if (match?.[1] === "app") ctx.print.line(match[2]);
        }
      });
      // Lost output is worth a note; the exit status still comes from the dyno.
      stream.on("error", (err: Error) => ctx.print.note(`(no more output: ${err.message})`));
      let state = dyno;
      while (state.state === "starting" || state.state === "up") {
        await new Promise((resolve) => setTimeout(resolve, 500));
        state = await ctx.api.request<RunDyno>("GET", `/apps/${encodeURIComponent(app)}/dynos/${encodeURIComponent(dyno.id)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      stream.destroy();
      process.exitCode = state.exit_code ?? 1;
    });
};
