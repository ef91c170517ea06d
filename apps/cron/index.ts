export { createCronApi, CronApiError, type CronApi, type StartedDyno } from "./api-client.ts";
export { reconcileSchedulers, TICK_JOB_OPTIONS, type CronJobData } from "./reconcile.ts";
export {
  CRON_QUEUE,
  CRON_TZ,
  CronSchedulesSchema,
  planSchedulers,
  schedulerId,
  type CronSchedule,
  type LiveScheduler,
  type SchedulerPlan,
} from "./schedules.ts";
export { createCronService, type CronService } from "./service.ts";
export { createCronWorker, tickOf } from "./worker.ts";
