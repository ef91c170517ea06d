// Add-ons, Heroku's model: a provider is an ordinary app on the platform (docs/addons.md).
// The routes are the API's shapes; platform/addons does the work.
import { Router } from "express";
import { z } from "zod";
import { type AddonRow, type AppRow, getAddon, listAddons } from "../../db/index.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { BY_CREATED_ID_NAME, sendList } from "../ranges.ts";

export function addonShape(addon: AddonRow, app: AppRow) {
  return {
    id: addon.id,
    name: addon.name,
    addon_service: { id: addon.service, name: addon.service },
    plan: { id: addon.plan, name: addon.plan },
    app: { id: app.id, name: app.name },
    billing_entity: { id: app.id, name: app.name, type: "app" },
    config_vars: addon.config_vars,
    provider_id: addon.id,
    state: "provisioned",
    actions: [],
    billed_price: null,
    web_url: null,
    created_at: addon.created_at,
    updated_at: addon.updated_at,
  };
}

const CreateAddon = z.object({ plan: z.string().min(1).max(200) }).passthrough();

export function addonRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/addons", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listAddons(ctx.db, app.id)).map((addon) => addonShape(addon, app)), BY_CREATED_ID_NAME);
  });

  router.get("/apps/:app/addons/:addon", async (req, res) => {
    const app = appOf(res);
    res.json(addonShape(await getAddon(ctx.db, app.id, req.params.addon), app));
  });

  router.post("/apps/:app/addons", async (req, res) => {
    const { plan } = parseBody(CreateAddon, req.body);
    const app = appOf(res);
    const addon = await ctx.addons.create(app, plan, req.user!, (name) => auditOf(req, "addon.create", app, { addon: name, plan }));
    res.status(201).json(addonShape(addon, app));
  });

  router.delete("/apps/:app/addons/:addon", async (req, res) => {
    const app = appOf(res);
    const addon = await getAddon(ctx.db, app.id, req.params.addon);
    await ctx.addons.destroy(app, addon, req.user!, { audit: auditOf(req, "addon.destroy", app, { addon: addon.name }) });
    res.json(addonShape(addon, app));
  });

  return router;
}
