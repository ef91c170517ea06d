// Each job on queue `cron` is one tick of one schedule: start a one-off `scheduler` dyno.
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import type { CronApi } from "./api-client.ts";
import type { CronJobData } from "./reconcile.ts";
import { CRON_QUEUE } from "./schedules.ts";

/** The tick a job stands for: scheduler job ids are `repeat:<scheduler id>:<millis>`. */
export function tickOf(job: Pick<Job, "id" | "timestamp">): number {
  const millis = /:(\d+)$/.exec(job.id ?? "")?.[1];
  return millis ? Number(millis) : job.timestamp;
}

export function createCronWorker(options: {
  connection: ConnectionOptions;
  queue?: string;
  api: CronApi;
  log: (line: string) => void;
}): Worker<CronJobData> {
  const { api, log } = options;
  const worker = new Worker<CronJobData>(
    options.queue ?? CRON_QUEUE,
    async (job) => {
      const { app, command, schedule } = job.data;
      const tick = tickOf(job);
      const late = Math.round((Date.now() - tick) / 1000);
      try {
        const dyno = await api.runDyno(app, command);
        const lateness = late > 60 ? ` (${late}s late: the tick came due while no cron dyno ran)` : "";
        log(`cron: app=${app} tick=${new Date(tick).toISOString()} "${schedule}" started ${dyno.name}${lateness}`);
        return { dyno: dyno.name };
      } catch (error) {
        // Only a call that never reached the API is tried again (bounded by the job's attempts):
        // anything else might have started the dyno, and a tick runs at most once.
        const retryable = (error as { retryable?: boolean }).retryable === true;
        if (!retryable) throw new UnrecoverableError((error as Error).message);
        throw error;
      }
    },
    {
      connection: options.connection,
      concurrency: 10,
      // A cron dyno killed mid-tick leaves a stalled job; failing it (not running it again on the
      // other dyno) keeps "at most once per tick".
      maxStalledCount: 0,
    },
  );
  worker.on("failed", (job, error) => {
    if (!job) return log(`cron: a tick failed: ${error.message}`);
    const final = error.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    const what = `app=${job.data.app} tick=${new Date(tickOf(job)).toISOString()} ${JSON.stringify(job.data.command)}`;
    log(`cron: ${what} could not start a dyno: ${error.message}${final ? "" : " (trying again)"}`);
  });
  worker.on("error", quietErrors("worker", log));
  return worker;
}

/** An error listener that logs a message once while it repeats (Redis reconnects retry fast). */
export function quietErrors(what: string, log: (line: string) => void): (error: Error) => void {
  let last = "";
  return (error) => {
    if (error.message !== last) log(`cron: ${what}: ${error.message}`);
    last = error.message;
  };
}
