import { Router } from "express";
import { z } from "zod";
import { configVarNameError, configVarValueError } from "../../lib/config-vars.ts";
import { latestConfig } from "../../db/index.ts";
import { invalidParams } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";

const ConfigChanges = z.record(z.string(), z.union([z.string(), z.null()]));

/** Every name and set value checked, so the first bad one is refused by name. */
function checkChanges(changes: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(changes)) {
    const error = configVarNameError(name) ?? (value === null ? undefined : configVarValueError(name, value));
    if (error) throw invalidParams(error);
  }
}

export function configRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/config-vars", async (_req, res) => {
    res.json(await latestConfig(ctx.db, appOf(res)));
  });

  router.patch("/apps/:app/config-vars", async (req, res) => {
    const app = appOf(res);
    const changes = parseBody(ConfigChanges, req.body);
    checkChanges(changes);
    const set = Object.keys(changes).filter((k) => changes[k] !== null);
    const config = await latestConfig(ctx.db, app);
    const unset = Object.keys(changes).filter((k) => changes[k] === null && k in config);
    if (set.length + unset.length === 0) return void res.json(config);
    const description = [
      set.length ? `Set ${set.join(", ")} config vars` : "",
      unset.length ? `Remove ${unset.join(", ")} config vars` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const release = await ctx.builds.releaseChange({
      app,
      changes,
      description,
      userId: req.user!.id,
      audit: auditOf(req, "config.update", app, { set, unset }),
    });
    res.json(release.config);
  });

  return router;
}
