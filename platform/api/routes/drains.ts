// Heroku's log drains (`/apps/:app/log-drains`): where an app's log lines are forwarded
// (platform/logs/drains.ts does the forwarding, from the API process).
import { Router } from "express";
import { z } from "zod";
import { type AppRow, type DrainRow, addDrain, getDrain, listDrains, removeDrain } from "../../db/index.ts";
import { isDrainUrlError, parseDrainUrl } from "../../lib/drain-url.ts";
import type { DrainResource } from "../../lib/drains-contract.ts";
import { invalidParams } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { BY_CREATED_ID, sendList } from "../ranges.ts";

export function drainShape(d: DrainRow, app: Pick<AppRow, "id" | "name">): DrainResource {
  const at = d.created_at.toISOString();
  return { id: d.id, url: d.url, token: d.token, addon: null, app: { id: app.id, name: app.name }, created_at: at, updated_at: at };
}

const NewDrain = z.object({ url: z.string().min(1) });

export function drainRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/log-drains", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listDrains(ctx.db, app.id)).map((d) => drainShape(d, app)), BY_CREATED_ID);
  });

  router.get("/apps/:app/log-drains/:drain", async (req, res) => {
    const app = appOf(res);
    res.json(drainShape(await getDrain(ctx.db, app.id, req.params.drain), app));
  });

  router.post("/apps/:app/log-drains", async (req, res) => {
    const app = appOf(res);
    const { url } = parseBody(NewDrain, req.body);
    try {
      parseDrainUrl(url);
    } catch (error) {
      throw isDrainUrlError(error) ? invalidParams(error.message) : error;
    }
    const drain = await addDrain(ctx.db, app.id, url, auditOf(req, "drain.add", app, { url }));
    res.status(201).json(drainShape(drain, app));
  });

  router.delete("/apps/:app/log-drains/:drain", async (req, res) => {
    const app = appOf(res);
    const drain = await getDrain(ctx.db, app.id, req.params.drain);
    await removeDrain(ctx.db, drain.id, auditOf(req, "drain.remove", app, { url: drain.url }));
    res.json(drainShape(drain, app));
  });

  return router;
}
