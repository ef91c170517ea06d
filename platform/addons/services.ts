// The add-on services there are, and the pure rules of attaching one to an app: which
// service a plan names, which config vars the app gets. docs/addons.md.
import { invalidParams } from "../lib/errors.ts";

export interface AddonServiceSpec {
  /** The provider app that answers `POST /provision`. */
  app: string;
  /** Other names `plan` may use, e.g. Heroku's. */
  aliases: string[];
  /** The config vars the provider answers; the first names the attachment (`DATABASE_URL` → DATABASE). */
  configVars: string[];
}

/** The add-on services there are. A third provider is one more line (docs/addons.md). */
export const ADDON_SERVICES: Record<string, AddonServiceSpec> = {
  postgres: { app: "postgres", aliases: ["heroku-postgresql", "postgresql"], configVars: ["DATABASE_URL"] },
  redis: { app: "redis", aliases: ["heroku-redis"], configVars: ["REDIS_URL", "REDIS_KEY_PREFIX"] },
};

/** `heroku-postgresql:essential-0` → service `postgres`, plan `postgres:essential-0`. */
export function parsePlan(plan: string): { service: string; plan: string } {
  const [requested = "", tier = "standard"] = plan.trim().toLowerCase().split(":", 2);
  const service = Object.entries(ADDON_SERVICES).find(([name, s]) => name === requested || s.aliases.includes(requested))?.[0];
  if (!service || !/^[a-z0-9-]+$/.test(tier)) {
    const known = Object.entries(ADDON_SERVICES).map(([name, s]) => [name, ...s.aliases].join(" | "));
    throw invalidParams(`Couldn't find either the add-on service or the add-on plan of ${JSON.stringify(plan)}. Add-on services: ${known.join("; ")}.`);
  }
  return { service, plan: `${service}:${tier}` };
}

/**
 * The config vars to set on the app: the provider's names, unless the app already has one
 * of them (a second database, say): then every name gets the add-on's name as a prefix,
 * `POSTGRES_AMBER_12345_DATABASE_URL`, and what is there stays untouched.
 */
export function attachmentVars(existing: Record<string, string>, addonName: string, answer: Record<string, string>): Record<string, string> {
  if (!Object.keys(answer).some((key) => key in existing)) return answer;
  const prefix = addonName.toUpperCase().replace(/-/g, "_");
  return Object.fromEntries(Object.entries(answer).map(([key, value]) => [`${prefix}_${key}`, value]));
}

/** `DATABASE_URL` → `DATABASE`, as in Heroku's "Attach DATABASE resource". */
export const attachmentName = (configVars: string[]) => (configVars[0] ?? "").replace(/_URL$/, "");
