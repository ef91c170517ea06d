// The audit trail, newest first: an app's (for whoever may reach the app), or everything the
// caller may read (an admin: all of it; a user: their apps' entries and their own).
import { Router } from "express";
import { z } from "zod";
import { listAudit } from "../../db/index.ts";
import { invalidParams } from "../../lib/errors.ts";
import { appOf } from "../access.ts";
import type { ApiContext } from "../context.ts";
import { auditShape } from "../shapes.ts";

const Query = z.object({
  limit: z.coerce.number("must be a number").int("must be a whole number").min(1, "must be from 1 to 1000").max(1000, "must be from 1 to 1000").default(100),
  // An entry's id: the page goes on below it.
  before: z.string().regex(/^\d{1,18}$/, "must be an entry's id").optional(),
});

function parseQuery(query: unknown) {
  const parsed = Query.safeParse(query);
  if (!parsed.success) throw invalidParams(`${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function auditRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/audit", async (req, res) => {
    const { limit, before } = parseQuery(req.query);
    res.json((await listAudit(ctx.db, { appId: appOf(res).id, limit, before })).map(auditShape));
  });

  router.get("/audit", async (req, res) => {
    const { limit, before } = parseQuery(req.query);
    const viewerId = req.user!.admin ? undefined : req.user!.id;
    res.json((await listAudit(ctx.db, { viewerId, limit, before })).map(auditShape));
  });

  return router;
}
