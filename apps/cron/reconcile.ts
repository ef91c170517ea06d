// Applies the scheduler plan to queue `cron`. Several cron dynos may reconcile at once; a short
// lock makes one of them do it, so two upserts of a new scheduler never race around its first tick.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import { CRON_TZ, type CronSchedule } from "../../platform/lib/cron-contract.ts";
import { planSchedulers, type SchedulerPlan } from "./schedules.ts";

export interface CronJobData extends CronSchedule {}

const LOCK_MS = 20_000;
// Through BullMQ's own client (its interface has no SET NX), as scripts.
const SCRIPTS = {
  ouroCronLock: `return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") and 1 or 0`,
  ouroCronUnlock: `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`,
};

/** The job options every tick gets: bounded retries, bounded history. */
export const TICK_JOB_OPTIONS = {
  attempts: 4, // retried only while the API is unreachable (see worker.ts), 2 s, 4 s, 8 s apart
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { count: 200 },
  removeOnFail: { count: 500 },
} as const;

/** Returns the plan applied, or undefined when another cron dyno holds the lock. */
export async function reconcileSchedulers(options: {
  queue: Queue<CronJobData>;
  desired: readonly CronSchedule[];
  log: (line: string) => void;
}): Promise<SchedulerPlan | undefined> {
  const { queue, desired, log } = options;
  const client = await queue.getBackend().client;
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
  const lockKey = queue.toKey("reconcile-lock");
  const token = randomUUID();
  if (Number(await client.runCommand("ouroCronLock", [lockKey, token, LOCK_MS])) !== 1) return undefined;
  try {
    const live = (await queue.getJobSchedulers()).map((s) => ({ id: s.key, pattern: s.pattern, tz: s.tz }));
    const plan = planSchedulers(desired, live);
    for (const { id, schedule } of plan.upsert) {
      await queue.upsertJobScheduler(
        id,
        { pattern: schedule.schedule, tz: CRON_TZ },
        { name: "tick", data: schedule, opts: TICK_JOB_OPTIONS },
      );
      log(`cron: scheduled app=${schedule.app} "${schedule.schedule}" ${JSON.stringify(schedule.command)}`);
    }
    for (const id of plan.remove) {
      await queue.removeJobScheduler(id);
      log(`cron: unscheduled ${id}`);
    }
    return plan;
  } finally {
    await client.runCommand("ouroCronUnlock", [lockKey, token]);
  }
}
