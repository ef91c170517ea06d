// The builder worker dyno: `worker: node apps/builder/main.ts`. It starts and watches build
// dynos (`build: node apps/builder/build-main.ts`); it never runs a build itself.
import { createBuilderApi } from "./api-client.ts";
import { createBuildWorker } from "./worker.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";

const log = (line: string) => console.log(line);
const worker = createBuildWorker({
  connection: { url: requiredEnv("builder", "REDIS_URL"), maxRetriesPerRequest: null },
  api: createBuilderApi({ apiUrl: requiredEnv("builder", "OURO_API_URL"), token: requiredEnv("builder", "OURO_BUILDER_TOKEN") }),
  log,
});
worker.on("error", (error) => log(`builder: ${error.message}`));
worker.on("failed", (job, error) => log(`build ${job?.id ?? "?"} errored: ${error.message}`));
log("builder: waiting for builds");

// The dyno manager sends SIGTERM, then SIGKILL 30 s later. A build's dyno goes on without its
// watcher; the next builder to take the job again finds it and watches it on.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log(`builder: ${signal}, closing`);
    worker.close(true).then(
      () => process.exit(0),
      (error: Error) => {
        log(`builder: close failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}
