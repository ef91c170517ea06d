export { createCronApi, CronApiError, type CronApi, type StartedDyno } from "./api-client.ts";
export { reconcileSchedulers, TICK_JOB_OPTIONS, type CronJobData } from "./reconcile.ts";
export { CRON_QUEUE, planSchedulers, schedulerId, type LiveScheduler, type SchedulerPlan } from "./schedules.ts";
// The contract with the kernel (platform/lib/cron-contract.ts), for those who hold only this app.
export { CRON_TZ, CronSchedulesSchema, type CronSchedule } from "../../platform/lib/cron-contract.ts";
export { createCronService, type CronService } from "./service.ts";
export { createCronWorker, tickOf } from "./worker.ts";
