// `ouro run CMD`: a one-off dyno of the app's current release; its output is shown
// as it runs, and the CLI exits with the command's exit status. `run:detached` only starts it.
import { appCommand, appOf, type AppOptions, type RegisterCommand } from "../../command.ts";

interface RunDyno {
  id: string;
  name: string;
  state: string;
  exit_code: number | null;
}

export const register: RegisterCommand = (program, ctx) => {
  appCommand(program, "run:detached <command...>", "run a one-off dyno in the background; its output goes to the app's logs")
    .action(async (command: string[], options: AppOptions) => {
      const app = await appOf(ctx, options);
      const dyno = await ctx.api.request<RunDyno>("POST", `/apps/${encodeURIComponent(app)}/dynos`, { command: command.join(" ") });
      if (options.json) return ctx.print.json(dyno);
      ctx.print.line(`Running ${command.join(" ")} on ${app}... up, ${dyno.name}`);
      ctx.print.note(`Run ouro logs -a ${app} -d ${dyno.name} to view the output.`);
    });

  appCommand(program, "run <command...>", "run a one-off dyno and show its output until it exits", { json: false })
    .action(async (command: string[], options: AppOptions) => {
      const app = await appOf(ctx, options);
      const dyno = await ctx.api.request<RunDyno>("POST", `/apps/${encodeURIComponent(app)}/dynos`, { command: command.join(" ") });
      ctx.print.note(`Running ${command.join(" ")} on ${app}... ${dyno.name}`);
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
