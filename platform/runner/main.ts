// `npm start`: runs the kernel's Procfile in the foreground.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDirFrom, repoRoot } from "../lib/config.ts";
import { runProcfile } from "./runner.ts";

const dataDir = dataDirFrom(process.env);
const runner = runProcfile({
  procfile: readFileSync(join(repoRoot, "Procfile"), "utf8"),
  cwd: repoRoot,
  logDir: join(dataDir, "logs"),
  runDir: join(dataDir, "run"),
});

const stopThenExit = (code: number) => {
  const force = setTimeout(() => process.exit(code), 15_000);
  runner.stop().finally(() => {
    clearTimeout(force);
    process.exit(code);
  });
};
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => stopThenExit(0));
// The runner's own last resort: its processes go with it, so none is left without a supervisor.
const die = (kind: string) => (error: unknown) => {
  console.error(`runner: ${kind}, stopping the kernel: ${error instanceof Error ? error.stack : String(error)}`);
  stopThenExit(70);
};
process.on("uncaughtException", die("uncaught exception"));
process.on("unhandledRejection", die("unhandled rejection"));
