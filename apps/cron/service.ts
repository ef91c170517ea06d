// The clock process: reconcile job schedulers from the API every 10 s (and at start), and run
// the ticks. Several cron dynos can run this at once; BullMQ hands each tick to one of them.
import { type ConnectionOptions, Queue } from "bullmq";
import type { CronApi } from "./api-client.ts";
import { type CronJobData, reconcileSchedulers } from "./reconcile.ts";
import { CRON_QUEUE } from "./schedules.ts";
import { createCronWorker, quietErrors } from "./worker.ts";

/**
 * How often the schedules are read again: a new entry first runs at the first minute boundary
 * after that (one small API request and a few Redis calls when nothing changed).
 */
export const REFRESH_MS = 10_000;

export interface CronService {
  /** One reconcile now; resolves when it is done (or skipped, or failed and logged). */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

export function createCronService(options: {
  connection: ConnectionOptions;
  api: CronApi;
  log: (line: string) => void;
  queue?: string;
  intervalMs?: number;
}): CronService {
  const { api, log } = options;
  const queueName = options.queue ?? CRON_QUEUE;
  const queue = new Queue<CronJobData>(queueName, { connection: options.connection });
  queue.on("error", quietErrors("queue", log));
  const worker = createCronWorker({ connection: options.connection, queue: queueName, api, log });
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  async function reconcileOnce(): Promise<void> {
    try {
      // When the API cannot answer, the schedulers in Redis stay as they are.
      const desired = await api.schedules();
      await reconcileSchedulers({ queue, desired, log });
    } catch (error) {
      log(`cron: reconcile failed, keeping the current schedules: ${(error as Error).message}`);
    }
  }

  function loop(): void {
    running = reconcileOnce().finally(() => {
      if (!closed) timer = setTimeout(loop, options.intervalMs ?? REFRESH_MS);
    });
  }
  loop();

  return {
    reconcile() {
      running = running.then(reconcileOnce);
      return running;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
      await worker.close(); // waits for ticks being handled
      await queue.close();
    },
  };
}
