import { Router } from "express";
import { z } from "zod";
import {
  type AppRow,
  type AuditEntry,
  type FormationUpdate,
  type ReleaseRow,
  currentRelease,
  listApps,
  listDynos,
  listFormation,
  loadDesiredApps,
  newestRelease,
  setStrategy,
  updateFormation,
} from "../../db/index.ts";
import { appState, formationPlan } from "../../dynos/plan-view.ts";
import { background } from "../../lib/background.ts";
import { appendApiEvent } from "../../logs/index.ts";
import type { AppStateDetail, AppStateResource, ReleaseState, StrategySetting } from "../../lib/plan-contract.ts";
import { STRATEGIES } from "../../dynos/model.ts";
import { notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { sizeForHost } from "../limits.ts";
import { formationShape } from "../shapes.ts";
import { sendList } from "../ranges.ts";

// Heroku's formation update: a quantity, a size or both; the per-app total is checked in the database.
// heroku's CLI sends the quantity as a string, and `+1` or `-1` for a change to it (`ps:scale web+1`).
const Quantity = z.union([
  z.number().int().min(0),
  z.string().regex(/^[+-]?\d{1,4}$/, "a whole number, or +N or -N to change it by N"),
]);
const CHANGE = { quantity: Quantity.optional(), size: z.string().min(1).optional() };
/** The change as the database takes it: a quantity, or a delta for `+N` and `-N`. */
function asUpdate<T extends { quantity?: number | string }>({ quantity, ...rest }: T): Omit<T, "quantity"> & { quantity?: number; delta?: number } {
  if (typeof quantity !== "string") return { ...rest, quantity };
  return /^[+-]/.test(quantity) ? { ...rest, delta: Number(quantity) } : { ...rest, quantity: Number(quantity) };
}
const someChange = (c: { quantity?: unknown; size?: unknown }) => c.quantity !== undefined || c.size !== undefined;
const Change = z.object(CHANGE).refine(someChange, "give a quantity, a size or both").transform(asUpdate);
const BatchUpdate = z.object({
  updates: z.array(z.object({ type: z.string().min(1), ...CHANGE }).refine(someChange, "give a quantity, a size or both").transform(asUpdate)).min(1),
});

const StrategyChange = z.object({ strategy: z.enum(STRATEGIES), batch: z.number().int().min(1).max(100).optional() });

export function formationRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** The desired model, the live model, the delta and the plan the dyno manager would carry out. */
  async function planOf(app: AppRow) {
    const [model] = await loadDesiredApps(ctx.db, app.name);
    const formation = (await listFormation(ctx.db, app.id)).map((f) => ({ type: f.type, quantity: f.quantity, size: f.size, generation: f.generation }));
    const strategy = { name: app.strategy, batch: app.strategy_batch };
    return formationPlan({ id: app.id, name: app.name }, model, formation, await listDynos(ctx.db, app.id), strategy);
  }

  router.get("/apps/:app/formation-plan", async (_req, res) => {
    res.json(await planOf(appOf(res)));
  });

  /** The app's releases' state and its dynos against its plan, with that plan. */
  async function stateOf(app: AppRow): Promise<AppStateDetail> {
    const [plan, current, newest] = await Promise.all([planOf(app), currentRelease(ctx.db, app.id), newestRelease(ctx.db, app.id)]);
    return { ...appState({ id: app.id, name: app.name, system: app.system }, plan, releaseState(current), releaseState(newest)), plan };
  }

  router.get("/apps/:app/state", async (_req, res) => {
    res.json(await stateOf(appOf(res)));
  });

  // Every app the caller may see, each with its state: a dashboard's list in one call. System
  // apps too with ?all=true, or only them with ?system=true (both an admin's).
  router.get("/app-states", async (req, res) => {
    const flag = (name: string) => req.query[name] === "true" || req.query[name] === "1";
    const systemOnly = flag("system");
    const apps = (await listApps(ctx.db, { viewer: req.user!, includeSystem: systemOnly || flag("all") })).filter((app) => !systemOnly || app.system);
    // Together: the pool bounds how many queries run at once.
    const states = await Promise.all(apps.map(async (app): Promise<AppStateResource> => {
      const { plan: _plan, ...state } = await stateOf(app);
      return state;
    }));
    res.json(states);
  });

  router.get("/apps/:app/strategy", async (_req, res) => {
    const app = appOf(res);
    res.json({ strategy: app.strategy, batch: app.strategy_batch } satisfies StrategySetting);
  });

  router.put("/apps/:app/strategy", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(StrategyChange, req.body);
    const strategy = { name: body.strategy, batch: body.batch ?? 1 };
    await setStrategy(ctx.db, app.id, strategy, auditOf(req, "strategy.update", app, { strategy: strategy.name, batch: strategy.batch }));
    res.json({ strategy: strategy.name, batch: strategy.batch } satisfies StrategySetting);
  });

  router.get("/apps/:app/formation", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listFormation(ctx.db, app.id)).map((f) => formationShape(f, app)), { type: (f) => f.type, id: (f) => f.id });
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
    const entry = audit(updates);
    const formation = await updateFormation(ctx.db, app.id, updates, { maxDynos: ctx.limits.maxDynosPerApp, appName: app.name }, entry);
    // The dyno manager replaces a dyno whose size differs from its formation's, new one up first.
    await ctx.notifyFormation(app.name);
    const scaled = formation.map((f) => `${f.type}@${f.quantity}:${f.size}`).join(" ");
    background(console.error, `${app.name}: logging a scale`, () => appendApiEvent(ctx.redis, app.name, `Scaled to ${scaled}`, entry.actor));
    const types = new Set(updates.map((u) => u.type));
    return formation.filter((f) => types.has(f.type)).map((f) => formationShape(f, app));
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

const releaseState = (release: ReleaseRow | undefined): ReleaseState | null =>
  release ? { version: release.version, status: release.status, failure_message: release.failure_message } : null;
