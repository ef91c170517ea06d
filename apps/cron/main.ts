// The cron clock dyno: `clock: node apps/cron/main.ts`.
import { createCronApi } from "./api-client.ts";
import { REFRESH_MS, createCronService } from "./service.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";

const log = (line: string) => console.log(line);
const service = createCronService({
  connection: { url: requiredEnv("cron", "REDIS_URL"), maxRetriesPerRequest: null },
  api: createCronApi({ apiUrl: requiredEnv("cron", "OURO_API_URL"), apiKey: requiredEnv("cron", "OURO_API_KEY") }),
  log,
});
log(`cron: running app.json cron entries (schedules refreshed every ${REFRESH_MS / 1000} s)`);

// The dyno manager sends SIGTERM, then SIGKILL 30 s later: finish the ticks being started, then go.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log(`cron: ${signal}, closing`);
    // Closing waits for Redis; when Redis is gone, leave before the dyno manager's SIGKILL.
    setTimeout(() => {
      log("cron: close timed out");
      process.exit(1);
    }, 20_000).unref();
    service.close().then(
      () => process.exit(0),
      (error: Error) => {
        log(`cron: close failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}
