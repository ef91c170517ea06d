// What the cron service schedules, and the pure decision of which BullMQ job schedulers to
// add or remove so that Redis holds exactly the schedules the API lists.
import { createHash } from "node:crypto";
import { CRON_TZ, type CronSchedule } from "../../platform/lib/cron-contract.ts";

export const CRON_QUEUE = "cron";

/** A job scheduler as it is in Redis: its id, cron pattern and zone. */
export interface LiveScheduler {
  id: string;
  pattern?: string | null;
  tz?: string | null;
}

export interface SchedulerPlan {
  upsert: { id: string; schedule: CronSchedule }[];
  remove: string[];
}

/**
 * Stable per app + schedule + command: the same entry keeps its scheduler (and its next tick)
 * across reconciles and restarts; editing an entry is a removal plus an addition.
 */
export function schedulerId(s: CronSchedule): string {
  const hash = createHash("sha256").update(JSON.stringify([s.app, s.schedule, s.command])).digest("hex");
  return `${s.app}.${hash.slice(0, 16)}`;
}

/**
 * Upserts only what is missing or differs: re-upserting an unchanged scheduler would replace its
 * pending job, dropping a tick that is due but not yet taken and the one run owed after downtime.
 */
export function planSchedulers(desired: readonly CronSchedule[], live: readonly LiveScheduler[]): SchedulerPlan {
  const wanted = new Map(desired.map((schedule) => [schedulerId(schedule), schedule]));
  const existing = new Map(live.map((scheduler) => [scheduler.id, scheduler]));
  const upsert = [...wanted]
    .filter(([id, schedule]) => {
      const current = existing.get(id);
      return !current || current.pattern !== schedule.schedule || current.tz !== CRON_TZ;
    })
    .map(([id, schedule]) => ({ id, schedule }));
  const remove = [...existing.keys()].filter((id) => !wanted.has(id));
  return { upsert, remove };
}
