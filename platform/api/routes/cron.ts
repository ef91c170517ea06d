import { Router } from "express";
import { createCronReader } from "../../cron/index.ts";
import { getApp } from "../../db/index.ts";
import type { ApiContext } from "../context.ts";

/**
 * Cron entries from app.json in each app's current release: one app's listing (with the reason
 * an entry will not run), and every valid schedule for the cron service (system user's key).
 */
export function cronRoutes(ctx: ApiContext): Router {
  const router = Router();
  const cron = createCronReader({ db: ctx.db, blobs: ctx.blobs });

  router.get("/apps/:app/cron", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json(await cron.entries(app.id));
  });

  router.get("/cron-schedules", async (_req, res) => {
    res.json(await cron.schedules());
  });

  return router;
}
