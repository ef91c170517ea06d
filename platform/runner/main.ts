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
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => void runner.stop().then(() => process.exit(0)));
}
