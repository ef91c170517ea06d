import { Router } from "express";
import { z } from "zod";
import { audit, createRelease, currentRelease, getApp, getSlug } from "../../db/index.ts";
import { invalidParams } from "../../lib/errors.ts";
import { type ApiContext, parseBody } from "../context.ts";

const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ConfigChanges = z.record(z.string(), z.union([z.string(), z.null()]));

async function currentReleaseCommand(ctx: ApiContext, appId: string): Promise<string | undefined> {
  const current = await currentRelease(ctx.db, appId);
  return current?.slug_id ? (await getSlug(ctx.db, appId, current.slug_id)).process_types.release : undefined;
}

export function configRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/config-vars", async (req, res) => {
    res.json((await getApp(ctx.db, req.params.app)).config);
  });

  router.patch("/apps/:app/config-vars", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const changes = parseBody(ConfigChanges, req.body);
    const bad = Object.keys(changes).find((key) => !CONFIG_KEY.test(key));
    if (bad !== undefined) {
      throw invalidParams(`Config var name ${JSON.stringify(bad)} is invalid: use letters, digits and "_", not starting with a digit.`);
    }
    const set = Object.keys(changes).filter((k) => changes[k] !== null);
    const unset = Object.keys(changes).filter((k) => changes[k] === null && k in app.config);
    if (set.length + unset.length === 0) return void res.json(app.config);
    const description = [
      set.length ? `Set ${set.join(", ")} config vars` : "",
      unset.length ? `Remove ${unset.join(", ")} config vars` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const releaseCommand = await currentReleaseCommand(ctx, app.id);
    const release = await createRelease(ctx.db, {
      appId: app.id,
      configChanges: changes,
      description,
      userId: req.user!.id,
      status: releaseCommand ? "pending" : "succeeded",
    });
    if (releaseCommand) void ctx.builds.releaseConfig(app, release, releaseCommand);
    else await ctx.notifyFormation(app.name);
    await audit(ctx.db, { actor: req.user!.email, action: "config.update", app: app.name, detail: { set, unset } });
    res.json(release.config);
  });

  return router;
}
