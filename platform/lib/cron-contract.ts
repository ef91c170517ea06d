// The cron entries the kernel lists and the cron app schedules (docs: apps/cron/README.md).
// The kernel reads them from app.json (platform/cron); the cron app parses GET /cron-schedules
// with this schema. The cron app's slug carries platform/lib, so both import this one file.
import { z } from "zod";

/** Every schedule runs in UTC, whatever the dyno's clock zone: the kernel checks it there too. */
export const CRON_TZ = "UTC";

/** A valid entry of one app, as GET /cron-schedules lists it: what the cron service schedules. */
export const CronScheduleSchema = z.object({
  app: z.string().min(1),
  command: z.string().min(1),
  schedule: z.string().min(1),
});
export type CronSchedule = z.infer<typeof CronScheduleSchema>;
export const CronSchedulesSchema = z.array(CronScheduleSchema);

/** One app.json `cron` entry as GET /apps/:app/cron lists it; `error` says why it will not run. */
export interface CronEntry {
  command: string;
  schedule: string;
  error?: string;
}
