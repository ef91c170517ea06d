import { Router } from "express";
import { createCronReader } from "../../cron/index.ts";
import { appOf, isCronKey } from "../access.ts";
import type { ApiContext } from "../context.ts";
import { forbidden } from "../../lib/errors.ts";

/**
 * Cron entries from app.json in each app's current release: one app's listing (with the reason
 * an entry will not run), and every valid schedule for the cron service (system user's key).
 */
export function cronRoutes(ctx: ApiContext): Router {
  const router = Router();
  const cron = createCronReader({ db: ctx.db, blobs: ctx.blobs });

  router.get("/apps/:app/cron", async (_req, res) => {
    res.json(await cron.entries(appOf(res).id));
  });

  // Every app's schedules (their commands included): the cron service's and the admin's only.
  router.get("/cron-schedules", async (req, res) => {
    if (!isCronKey(req) && !req.user!.admin) throw forbidden("Only the cron service and an admin may read every app's schedules.");
    res.json(await cron.schedules());
  });

  return router;
}
