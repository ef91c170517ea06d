// Attaching and detaching add-ons: the provider makes or removes the resource, and the
// app's config vars change through the same release path as config:set (release phase
// included). A resource nothing refers to is given back rather than leaked.
import { randomInt, randomUUID } from "node:crypto";
import { type AddonRow, type AppRow, type AuditEntry, deleteAddon, getApp, insertAddon, latestConfig } from "../db/index.ts";
import { type ProviderContext, deprovision, provision } from "./provider-client.ts";
import { attachmentName, attachmentVars, parsePlan } from "./services.ts";

export interface AddonServiceDeps extends ProviderContext {
  /** The one config release path (BuildService.releaseChange). */
  releaseChange: (change: {
    app: AppRow;
    changes: Record<string, string | null>;
    description: string;
    userId: string | null;
    audit?: AuditEntry;
  }) => Promise<unknown>;
}

export interface Actor {
  id: string;
  email: string;
}

const ADJECTIVES = ["amber", "clear", "cosy", "deep", "keen", "neat", "solid", "steady", "tidy", "vivid"];

export function createAddonService(deps: AddonServiceDeps) {
  const { db } = deps;

  return {
    /**
     * Provisions `plan` (e.g. `heroku-postgresql:essential-0`) for `app` and attaches its config
     * vars; the audit entry is written with the release that attaches them.
     */
    async create(app: AppRow, requestedPlan: string, actor: Actor, audit?: (name: string) => AuditEntry): Promise<AddonRow> {
      const { service, plan } = parsePlan(requestedPlan);
      const id = randomUUID();
      const answer = await provision(deps, service, { addon_id: id, app: app.name });
      const name = `${service}-${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${randomInt(10000, 100000)}`;
      // Names are chosen against the newest config, one still deploying included.
      const vars = attachmentVars(await latestConfig(db, app), name, answer);
      try {
        const addon = await insertAddon(db, { id, app_id: app.id, service, plan, name, config_vars: Object.keys(vars) });
        await deps.releaseChange({
          app,
          changes: vars,
          description: `Attach ${attachmentName(addon.config_vars)} resource`,
          userId: actor.id,
          audit: audit?.(name),
        });
        return addon;
      } catch (error) {
        await deleteAddon(db, id);
        await deprovision(deps, service, id).catch(() => {});
        throw error;
      }
    },

    /**
     * Deprovisions one add-on and removes its config vars with a release. Deleting an app
     * calls this for each of its add-ons before the rows cascade away, with no release
     * (`appGoing`): nothing will run that config. The audit entry is written with the row's delete.
     */
    async destroy(app: AppRow, addon: AddonRow, actor: Actor, opts: { appGoing?: boolean; audit?: AuditEntry } = {}): Promise<void> {
      await deprovision(deps, addon.service, addon.id);
      await deleteAddon(db, addon.id, opts.audit);
      // Every var it set, whether or not the release that set them is current yet (one still in its
      // release phase, whose successor this release builds on).
      const unset = addon.config_vars;
      if (unset.length && !opts.appGoing) {
        await deps.releaseChange({
          app: await getApp(db, app.id),
          changes: Object.fromEntries(unset.map((key) => [key, null])),
          description: `Detach ${attachmentName(addon.config_vars)} resource`,
          userId: actor.id,
        });
      }
    },
  };
}

export type AddonService = ReturnType<typeof createAddonService>;
