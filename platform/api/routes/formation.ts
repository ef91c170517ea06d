import { Router } from "express";
import { z } from "zod";
import { type AppRow, type AuditEntry, type FormationUpdate, listFormation, updateFormation } from "../../db/index.ts";
import { notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { sizeForHost } from "../limits.ts";
import { formationShape } from "../shapes.ts";

// Heroku's formation update: a quantity, a size or both; the per-app total is checked in the database.
const Change = z
  .object({ quantity: z.number().int().min(0).optional(), size: z.string().min(1).optional() })
  .refine((c) => c.quantity !== undefined || c.size !== undefined, "give a quantity, a size or both");
const BatchUpdate = z.object({
  updates: z.array(z.object({ type: z.string().min(1) }).and(Change)).min(1),
});

export function formationRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/formation", async (_req, res) => {
    const app = appOf(res);
    res.json((await listFormation(ctx.db, app.id)).map((f) => formationShape(f, app)));
  });

  router.get("/apps/:app/formation/:type", async (req, res) => {
    const app = appOf(res);
    const formation = (await listFormation(ctx.db, app.id)).find((f) => f.type === req.params.type);
    if (!formation) throw notFound(`Couldn't find that formation: ${req.params.type}.`);
    res.json(formationShape(formation, app));
  });

  async function scale(app: AppRow, requested: FormationUpdate[], audit: (updates: FormationUpdate[]) => AuditEntry) {
    // Sizes are stored by their canonical name, whatever case or short name the client sent.
    const updates = requested.map((u) => (u.size === undefined ? u : { ...u, size: sizeForHost(u.size, ctx.limits).name }));
    const formation = await updateFormation(ctx.db, app.id, updates, { maxDynos: ctx.limits.maxDynosPerApp, appName: app.name }, audit(updates));
    // The dyno manager replaces a dyno whose size differs from its formation's, new one up first.
    await ctx.notifyFormation(app.name);
    return formation.map((f) => formationShape(f, app));
  }

  router.patch("/apps/:app/formation", async (req, res) => {
    const { updates } = parseBody(BatchUpdate, req.body);
    res.json(await scale(appOf(res), updates, (done) => auditOf(req, "formation.update", appOf(res), { updates: done })));
  });

  router.patch("/apps/:app/formation/:type", async (req, res) => {
    const change = parseBody(Change, req.body);
    const [updated] = await scale(appOf(res), [{ type: req.params.type, ...change }], (done) =>
      auditOf(req, "formation.update", appOf(res), { updates: done }),
    );
    res.json(updated);
  });

  return router;
}
