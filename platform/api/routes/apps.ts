import { randomInt } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { Router } from "express";
import { z } from "zod";
import { createApp, deleteApp, getApp, listAddons, listApps, setMaintenance } from "../../db/index.ts";
import { parseNewAppName } from "../../lib/app-name.ts";
import { AppUpdate } from "../../lib/domains-contract.ts";
import { invalidParams } from "../../lib/errors.ts";
import { repoSize } from "../../git/index.ts";
import { deleteLogs } from "../../logs/index.ts";
import { appOf, auditOf, refuseSystemApp, requireOwner } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { appShape } from "../shapes.ts";
import { announceApps } from "../../router/index.ts";
import { BY_NAME_ID, sendList } from "../ranges.ts";

const WORDS_A = ["calm", "brave", "quiet", "swift", "bright", "gentle", "bold", "lucky", "misty", "sunny"];
const WORDS_B = ["river", "meadow", "harbor", "canyon", "forest", "comet", "island", "summit", "valley", "ember"];
const pick = (words: string[]) => words[randomInt(words.length)]!;
const generatedName = () => `${pick(WORDS_A)}-${pick(WORDS_B)}-${randomInt(1000, 9999)}`;

const CreateApp = z.object({ name: z.string().optional() }).passthrough();

export function appRoutes(ctx: ApiContext): Router {
  const router = Router();

  // The caller's apps: owned or shared with them (every app for an admin; system apps with ?all).
  // heroku's CLI asks for the same list as the user's own (`~`).
  router.get(["/apps", "/users/~/apps"], async (req, res) => {
    const all = req.query.all === "true" || req.query.all === "1";
    sendList(req, res, (await listApps(ctx.db, { viewer: req.user!, includeSystem: all })).map((app) => appShape(app, ctx.config)), BY_NAME_ID);
  });

  router.post("/apps", async (req, res) => {
    const body = parseBody(CreateApp, req.body);
    const name = body.name === undefined ? generatedName() : parseNewAppName(body.name);
    const app = await createApp(ctx.db, { name, ownerId: req.user!.id }, { ...auditOf(req, "app.create"), app: name });
    await announceApps(ctx.redis, { add: name });
    res.status(201).json(appShape(app, ctx.config));
  });

  // One app, with what its git repository takes on disk (a walk of it: not in the list).
  router.get("/apps/:app", async (_req, res) => {
    const app = appOf(res);
    res.json({ ...appShape(app, ctx.config), repo_size: await repoSize(ctx.config.dataDir, app.name) });
  });

  // Heroku's app update; Ouro changes only maintenance mode there (`ouro maintenance:on`).
  router.patch("/apps/:app", async (req, res) => {
    const app = appOf(res);
    const other = Object.keys(typeof req.body === "object" && req.body !== null ? req.body : {}).filter((key) => key !== "maintenance");
    if (other.length) throw invalidParams(`Ouro changes only maintenance through PATCH /apps/:app, not ${other.join(", ")}.`);
    const { maintenance } = parseBody(AppUpdate, req.body);
    if (maintenance !== undefined) {
      if (maintenance !== app.maintenance) await setMaintenance(ctx.db, app.id, maintenance, auditOf(req, "app.maintenance", app, { maintenance }));
      await ctx.routing.publishApp(app.name);
    }
    res.json(appShape(await getApp(ctx.db, app.id), ctx.config));
  });

  router.delete("/apps/:app", async (req, res) => {
    const app = appOf(res);
    refuseSystemApp(app, "be destroyed");
    requireOwner(req, app, "destroy it");
    // Add-on databases and users go first: a provider that cannot deprovision stops the delete.
    for (const addon of await listAddons(ctx.db, app.id)) await ctx.addons.destroy(app, addon, req.user!, { appGoing: true });
    await deleteApp(ctx.db, app.id, auditOf(req, "app.destroy", app));
    rmSync(join(ctx.config.dataDir, "repos", `${app.name}.git`), { recursive: true, force: true });
    rmSync(ctx.blobs.keyedPath(`cache-${app.id}.tar.gz`), { force: true });
    await deleteLogs(ctx.redis, app.name);
    await announceApps(ctx.redis, { remove: app.name });
    await ctx.routing.publishApp(app.name);
    await ctx.notifyFormation(app.name);
    res.json(appShape(app, ctx.config));
  });

  return router;
}
