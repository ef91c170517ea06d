// The builder worker dyno: `worker: node apps/builder/main.ts`.
import { slugSizeLimit } from "./compile.ts";
import { builderBuildpacksDir } from "./detect.ts";
import { DEFAULT_STACK } from "./job.ts";
import { createBuildWorker } from "./worker.ts";

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`builder: ${name} is not set; set it as a config var of the builder app`);
    process.exit(1);
  }
  return value;
}

const log = (line: string) => console.log(line);
const buildpacksDir = builderBuildpacksDir();
const worker = createBuildWorker({
  connection: { url: required("REDIS_URL"), maxRetriesPerRequest: null },
  apiUrl: required("OURO_API_URL"),
  buildpacksDir,
  stack: process.env.STACK ?? DEFAULT_STACK,
  timeoutMs: Number(process.env.OURO_BUILD_TIMEOUT ?? 15 * 60) * 1000,
  slugSizeLimit: slugSizeLimit(process.env.OURO_SLUG_SIZE_LIMIT),
  log,
});
worker.on("error", (error) => log(`builder: ${error.message}`));
worker.on("failed", (job, error) => log(`build ${job?.id ?? "?"} errored: ${error.message}`));
log(`builder: waiting for builds (buildpacks in ${buildpacksDir})`);

// The dyno manager sends SIGTERM, then SIGKILL 30 s later: finish or give up the current build.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log(`builder: ${signal}, closing`);
    worker.close().then(
      () => process.exit(0),
      (error: Error) => {
        log(`builder: close failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}
