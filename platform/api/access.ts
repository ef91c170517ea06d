// Who may reach which app. Every route under /apps/:app and every git URL passes through
// `appAccess` first: an app the caller may not reach answers 404 exactly as a missing one does,
// so a name's existence does not leak. The routes take the app it found with `appOf(res)`.
import type { NextFunction, Request, Response } from "express";
import { type AppRow, type AuditEntry, type Db, canReach, getApp } from "../db/index.ts";
import { forbidden, notFound } from "../lib/errors.ts";

/** Only the cron service's scope: it reaches every user's app, for the two calls it may make. */
export const isCronKey = (req: Request) => req.apiKey?.scope.every((scope) => scope === "cron") ?? false;

/** The app by name or id when this request's key and user may reach it; 404 as if missing otherwise. */
export async function reachableApp(db: Db, req: Request, nameOrId: string): Promise<AppRow> {
  const app = await getApp(db, nameOrId);
  const reachable = isCronKey(req) ? !app.system : await canReach(db, req.user!, app);
  if (!reachable) throw notFound(`Couldn't find that app: ${nameOrId}.`);
  return app;
}

export function appAccess(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.app = await reachableApp(db, req, String(req.params.app));
    next();
  };
}

/** The app `appAccess` found and let through for this request. */
export function appOf(res: Response): AppRow {
  const app = res.locals.app as AppRow | undefined;
  if (!app) throw new Error("this route is not behind appAccess");
  return app;
}

/** Destroying, transferring and sharing an app: its owner's or an admin's, never a collaborator's. */
export function requireOwner(req: Request, app: AppRow, what: string): void {
  if (req.user!.admin || req.user!.id === app.owner_id) return;
  throw forbidden(`Only the owner of ${app.name} (${app.owner_email}) or an admin may ${what}; you are a collaborator.`);
}

/** System apps run the platform: they stay with the system user. */
export function refuseSystemApp(app: AppRow, what: string): void {
  if (app.system) throw forbidden(`${app.name} is a system app (Ouro runs on it): it cannot ${what}.`);
}

export function requireAdmin(req: Request, what = "manage users"): void {
  if (!req.user!.admin) throw forbidden(`Only an admin may ${what}.`);
}

/** The address the request came from, as the API's socket saw it (no header can forge it). */
export function sourceAddress(req: Request): string | null {
  return req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? null;
}

/** An audit entry for a change made by this request's user. */
export function auditOf(req: Request, action: string, app?: Pick<AppRow, "id" | "name">, detail?: Record<string, unknown>): AuditEntry {
  return { actorId: req.user!.id, actor: req.user!.email, action, appId: app?.id ?? null, app: app?.name ?? null, detail, address: sourceAddress(req) };
}
