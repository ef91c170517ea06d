// The builder worker dyno: `worker: node apps/builder/main.ts`.
import { slugSizeLimit } from "./compile.ts";
import { builderBuildpacksDir } from "./detect.ts";
import { DEFAULT_STACK } from "./job.ts";
import { createBuildWorker } from "./worker.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";

const log = (line: string) => console.log(line);
const buildpacksDir = builderBuildpacksDir();
const worker = createBuildWorker({
  connection: { url: requiredEnv("builder", "REDIS_URL"), maxRetriesPerRequest: null },
  apiUrl: requiredEnv("builder", "OURO_API_URL"),
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
