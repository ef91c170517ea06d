// Add-ons, Heroku's model: a provider is an ordinary app on the platform (docs/addons.md).
// The kernel asks it for a resource through the router, then sets the config vars it
// answers on the app with a new release.
import { randomInt, randomUUID } from "node:crypto";
import http from "node:http";
import { Router } from "express";
import { z } from "zod";
import {
  type AddonRow,
  type AppRow,
  audit,
  createRelease,
  deleteAddon,
  getAddon,
  getApp,
  insertAddon,
  listAddons,
} from "../../db/index.ts";
import { invalidParams, OuroError } from "../../lib/errors.ts";
import { type ApiContext, parseBody } from "../context.ts";

export interface AddonService {
  /** The provider app that answers `POST /provision`. */
  app: string;
  /** Other names `plan` may use, e.g. Heroku's. */
  aliases: string[];
  /** The config vars the provider answers; the first names the attachment (`DATABASE_URL` → DATABASE). */
  configVars: string[];
}

/** The add-on services there are. A third provider is one more line (docs/addons.md). */
export const ADDON_SERVICES: Record<string, AddonService> = {
  postgres: { app: "postgres", aliases: ["heroku-postgresql", "postgresql"], configVars: ["DATABASE_URL"] },
  redis: { app: "redis", aliases: ["heroku-redis"], configVars: ["REDIS_URL", "REDIS_KEY_PREFIX"] },
};

const PROVIDER_TIMEOUT_MS = 30_000;
const ADJECTIVES = ["amber", "clear", "cosy", "deep", "keen", "neat", "solid", "steady", "tidy", "vivid"];

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

const CreateAddon = z.object({ plan: z.string().min(1) }).passthrough();
const ProvisionAnswer = z.object({ config: z.record(z.string(), z.string()) });

export function addonRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/addons", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listAddons(ctx.db, app.id)).map((addon) => addonShape(addon, app)));
  });

  router.get("/apps/:app/addons/:addon", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json(addonShape(await getAddon(ctx.db, app.id, req.params.addon), app));
  });

  router.post("/apps/:app/addons", async (req, res) => {
    const { service, plan } = parsePlan(parseBody(CreateAddon, req.body).plan);
    const app = await getApp(ctx.db, req.params.app);
    const id = randomUUID();
    const answer = await provision(ctx, service, { addon_id: id, app: app.name });
    const name = `${service}-${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${randomInt(10000, 100000)}`;
    const vars = attachmentVars(app.config, name, answer);
    try {
      const addon = await insertAddon(ctx.db, { id, app_id: app.id, service, plan, name, config_vars: Object.keys(vars) });
      await createRelease(ctx.db, {
        appId: app.id,
        configChanges: vars,
        description: `Attach ${attachmentName(addon.config_vars)} resource`,
        userId: req.user!.id,
      });
      await ctx.notifyFormation(app.name);
      await audit(ctx.db, { actor: req.user!.email, action: "addon.create", app: app.name, detail: { addon: name, plan } });
      res.status(201).json(addonShape(addon, app));
    } catch (error) {
      // Nothing refers to the resource: give it back rather than leak it.
      await deleteAddon(ctx.db, id);
      await deprovision(ctx, service, id).catch(() => {});
      throw error;
    }
  });

  router.delete("/apps/:app/addons/:addon", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const addon = await getAddon(ctx.db, app.id, req.params.addon);
    await destroyAddon(ctx, { app, addon, actor: req.user! });
    res.json(addonShape(addon, app));
  });

  return router;
}

/**
 * Deprovisions one add-on and removes its config vars with a release. Also what deleting
 * an app must call for each of its add-ons (`listAddons`) before the rows cascade away.
 */
export async function destroyAddon(
  ctx: ApiContext,
  opts: { app: AppRow; addon: AddonRow; actor: { id: string; email: string } },
): Promise<void> {
  const { app, addon, actor } = opts;
  await deprovision(ctx, addon.service, addon.id);
  await deleteAddon(ctx.db, addon.id);
  const current = (await getApp(ctx.db, app.id)).config;
  const unset = addon.config_vars.filter((key) => key in current);
  if (unset.length) {
    await createRelease(ctx.db, {
      appId: app.id,
      configChanges: Object.fromEntries(unset.map((key) => [key, null])),
      description: `Detach ${attachmentName(addon.config_vars)} resource`,
      userId: actor.id,
    });
    await ctx.notifyFormation(app.name);
  }
  await audit(ctx.db, { actor: actor.email, action: "addon.destroy", app: app.name, detail: { addon: addon.name } });
}

async function provision(ctx: ApiContext, service: string, body: { addon_id: string; app: string }): Promise<Record<string, string>> {
  const answer = await callProvider(ctx, service, "POST", "/provision", body);
  const parsed = ProvisionAnswer.safeParse(answer.body);
  const declared = ADDON_SERVICES[service]!.configVars;
  if (answer.status !== 200 || !parsed.success || !Object.keys(parsed.data.config).every((key) => declared.includes(key))) {
    // A provider that made something but answered wrongly gets the chance to remove it.
    if (answer.status === 200) await deprovision(ctx, service, body.addon_id).catch(() => {});
    throw providerError(service, answer, `an answer with config vars ${declared.join(", ")}`);
  }
  return parsed.data.config;
}

async function deprovision(ctx: ApiContext, service: string, addonId: string): Promise<void> {
  const answer = await callProvider(ctx, service, "DELETE", `/provision/${addonId}`);
  if (answer.status !== 204) throw providerError(service, answer, "204");
}

interface ProviderAnswer {
  status: number;
  body: unknown;
}

/** One request to the provider app's web dynos, through the router like any client. */
async function callProvider(ctx: ApiContext, service: string, method: string, path: string, body?: unknown): Promise<ProviderAnswer> {
  const provider = ADDON_SERVICES[service]!.app;
  const secret = await getApp(ctx.db, provider).then(
    (app) => app.config.OURO_PROVIDER_SECRET,
    (error: unknown) => {
      if (error instanceof OuroError && error.status === 404) return undefined;
      throw error;
    },
  );
  if (!secret) throw unavailable(service, `the provider app ${provider} is not deployed (or has no OURO_PROVIDER_SECRET config var)`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const answer = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: ctx.config.routerPort,
        method,
        path,
        agent: false,
        timeout: PROVIDER_TIMEOUT_MS,
        headers: {
          Host: `${provider}.${ctx.config.domain}`,
          Authorization: `Bearer ${secret}`,
          ...(payload === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${PROVIDER_TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(payload);
  }).catch((error: Error) => {
    throw unavailable(service, `the router did not reach it: ${error.message}`);
  });
  // Only the provider answers JSON; the router's own pages (no such app, no web dyno up) are HTML.
  if (answer.status === 204) return { status: 204, body: null };
  if (!answer.type.startsWith("application/json")) {
    throw unavailable(service, `the router answered ${answer.status} for ${provider}: is its web dyno up? (ouro ps -a ${provider})`);
  }
  try {
    return { status: answer.status, body: JSON.parse(answer.text || "null") };
  } catch {
    return { status: answer.status, body: answer.text };
  }
}

const unavailable = (service: string, why: string) =>
  new OuroError(503, "provider_unavailable", `The ${service} add-on provider is unavailable: ${why}.`);

function providerError(service: string, answer: ProviderAnswer, expected: string): OuroError {
  const message = (answer.body as { message?: unknown } | null)?.message;
  const said = typeof message === "string" ? `: ${message}` : "";
  return new OuroError(502, "provider_error", `The ${service} add-on provider answered ${answer.status} instead of ${expected}${said}`);
}
