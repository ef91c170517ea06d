// `npm run down`: stops the kernel and every dyno. Data, PostgreSQL and Redis stay.
import { dataDirFrom } from "../lib/config.ts";
import { stopKernel } from "./kernel.ts";
import { run, step, succeeds } from "./shell.ts";

const dataDir = dataDirFrom(process.env);
if (await stopKernel(dataDir)) step("Stopped the kernel");
if (succeeds("docker", ["info"])) {
  const ids = run("docker", ["ps", "-aq", "--filter", "label=ouro.namespace=ouro"], { quiet: true }).split("\n").filter(Boolean);
  if (ids.length) {
    step(`Stopping ${ids.length} dyno(s)`);
    run("docker", ["stop", "-t", "30", ...ids], { quiet: true });
    run("docker", ["rm", "-v", ...ids], { quiet: true });
  }
}
step("Ouro is down; its data stays in " + dataDir);
