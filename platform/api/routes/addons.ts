// Add-ons, Heroku's model: a provider is an ordinary app on the platform (docs/addons.md).
// The routes are the API's shapes; platform/addons does the work.
import { Router } from "express";
import { z } from "zod";
import { type AddonRow, type AppRow, findAddons, getAddon, listAddons, listAddonsOf, listApps } from "../../db/index.ts";
import { attachmentName } from "../../addons/index.ts";
import { notFound } from "../../lib/errors.ts";
import { appOf, auditOf, reachableApp } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { BY_CREATED_ID_NAME, sendList } from "../ranges.ts";

// Ouro's add-ons cost nothing: a price of 0 cents, which heroku's CLI shows as "free".
const FREE = { cents: 0, contract: false, unit: "month" };

export function addonShape(addon: AddonRow, app: Pick<AppRow, "id" | "name">, state: "provisioned" | "deprovisioned" = "provisioned") {
  return {
    id: addon.id,
    name: addon.name,
    addon_service: { id: addon.service, name: addon.service },
    plan: { id: addon.plan, name: addon.plan, price: FREE },
    app: { id: app.id, name: app.name },
    billing_entity: { id: app.id, name: app.name, type: "app" },
    config_vars: addon.config_vars,
    provider_id: addon.id,
    state,
    actions: [],
    billed_price: FREE,
    web_url: null,
    created_at: addon.created_at,
    updated_at: addon.updated_at,
  };
}

/**
 * Heroku's add-on attachment. Ouro attaches each add-on once, to its own app, under the name its
 * first config var gives (`DATABASE_URL` → DATABASE), so the attachment shares the add-on's id.
 */
export function attachmentShape(addon: AddonRow, app: Pick<AppRow, "id" | "name">) {
  return {
    id: addon.id,
    name: attachmentName(addon.config_vars),
    addon: { id: addon.id, name: addon.name, app: { id: app.id, name: app.name } },
    app: { id: app.id, name: app.name },
    namespace: null,
    config_vars: addon.config_vars,
    created_at: addon.created_at,
    updated_at: addon.updated_at,
  };
}

// The plan as `heroku-postgresql:essential-0` or, as heroku's CLI sends it, `{"name": …}`. Ouro
// names an add-on and its attachment itself and takes no provider config: those are refused, not ignored.
const CreateAddon = z
  .object({
    plan: z.union([z.string().min(1).max(200), z.object({ name: z.string().min(1).max(200) }).transform((p) => p.name)]),
    name: z.undefined({ error: "Ouro names add-ons itself (--name is not supported)" }).optional(),
    attachment: z.object({ name: z.undefined({ error: "Ouro names the attachment by its config var (--as is not supported)" }).optional() }).optional(),
    config: z.record(z.string(), z.unknown()).refine((c) => Object.keys(c).length === 0, "Ouro's add-on services take no config (remove what follows --)").optional(),
  })
  .passthrough();

const Resolve = z.object({ addon: z.string().min(1).max(200), app: z.string().min(1).max(200).optional() });

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

  // Every attachment of every app the caller may reach (heroku's `addons` reads them), or one app's.
  router.get("/addon-attachments", async (req, res) => {
    const apps = await listApps(ctx.db, { viewer: req.user!, includeSystem: false });
    const byId = new Map(apps.map((app) => [app.id, app]));
    const attachments = (await listAddonsOf(ctx.db, [...byId.keys()])).map((addon) => attachmentShape(addon, byId.get(addon.app_id)!));
    sendList(req, res, attachments, BY_CREATED_ID_NAME);
  });

  router.get("/apps/:app/addon-attachments", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listAddons(ctx.db, app.id)).map((addon) => attachmentShape(addon, app)), BY_CREATED_ID_NAME);
  });

  // Heroku's add-on lookup by name or id (`addons:destroy NAME` starts here), among the apps the
  // caller may reach, on `app` only when given.
  router.post("/actions/addons/resolve", async (req, res) => {
    const body = parseBody(Resolve, req.body);
    const found: ReturnType<typeof addonShape>[] = [];
    for (const addon of await findAddons(ctx.db, body.addon)) {
      const app = await reachableApp(ctx.db, req, addon.app_id).catch(() => undefined);
      if (app && (body.app === undefined || body.app === app.name || body.app === app.id)) found.push(addonShape(addon, app));
    }
    if (!found.length) throw notFound(`Couldn't find that add-on: ${body.addon}.`);
    res.json(found);
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
    res.json(addonShape(addon, app, "deprovisioned"));
  });

  return router;
}
