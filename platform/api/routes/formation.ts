import { Router } from "express";
import { z } from "zod";
import { audit, getApp, listFormation, updateFormation } from "../../db/index.ts";
import { notFound } from "../../lib/errors.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { formationShape } from "../shapes.ts";

const MAX_QUANTITY = 100;
const Quantity = z.number().int().min(0).max(MAX_QUANTITY);
const BatchUpdate = z.object({
  updates: z.array(z.object({ type: z.string(), quantity: Quantity, size: z.string().optional() })).min(1),
});
const SingleUpdate = z.object({ quantity: Quantity, size: z.string().optional() });

export function formationRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/formation", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listFormation(ctx.db, app.id)).map((f) => formationShape(f, app)));
  });

  router.get("/apps/:app/formation/:type", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const formation = (await listFormation(ctx.db, app.id)).find((f) => f.type === req.params.type);
    if (!formation) throw notFound(`Couldn't find that formation: ${req.params.type}.`);
    res.json(formationShape(formation, app));
  });

  async function scale(appName: string, updates: { type: string; quantity: number }[], actor: string) {
    const app = await getApp(ctx.db, appName);
    const updated = await updateFormation(ctx.db, app.id, updates);
    await ctx.notifyFormation(app.name);
    await audit(ctx.db, { actor, action: "formation.update", app: app.name, detail: { updates } });
    return updated.map((f) => formationShape(f, app));
  }

  router.patch("/apps/:app/formation", async (req, res) => {
    const { updates } = parseBody(BatchUpdate, req.body);
    res.json(await scale(req.params.app, updates, req.user!.email));
  });

  router.patch("/apps/:app/formation/:type", async (req, res) => {
    const { quantity } = parseBody(SingleUpdate, req.body);
    const [updated] = await scale(req.params.app, [{ type: req.params.type, quantity }], req.user!.email);
    res.json(updated);
  });

  return router;
}
