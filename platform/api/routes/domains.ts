// Heroku's domains: the app's default <app>.<OURO_DOMAIN> (kind `heroku`, always there) and its
// custom hostnames, each of which the router sends to the app. Every change is published to the
// router before the answer (platform/api/routing.ts).
import { Router } from "express";
import { type AppRow, type DomainRow, canReach, deleteDomain, findDomain, findSniEndpoint, getApp, insertDomain, listDomains, listSniEndpoints, setDomainEndpoint } from "../../db/index.ts";
import type { Db, SniEndpointRow, User } from "../../db/index.ts";
import { DomainCreate, DomainUpdate } from "../../lib/domains-contract.ts";
import { forbidden, invalidParams, notFound } from "../../lib/errors.ts";
import { parseCustomHostname } from "../../lib/hostname.ts";
import { appOf, auditOf } from "../access.ts";
import { assignCertificates, covers } from "../cert-assignment.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { defaultDomainId, defaultDomainShape, defaultHostname, domainShape } from "../domain-shapes.ts";
import { internalApps } from "../routing.ts";
import { sendList } from "../ranges.ts";

/** The app's domains and certificates, and which certificate serves which domain. */
export async function domainView(db: Db, app: AppRow) {
  const [domains, endpoints] = await Promise.all([listDomains(db, app.id), listSniEndpoints(db, app.id)]);
  const served = assignCertificates(domains, endpoints);
  return {
    domains,
    endpoints,
    endpointOf: (domain: DomainRow) => endpoints.find((e) => e.id === served.get(domain.id)),
    domainsOf: (endpoint: SniEndpointRow) => domains.filter((d) => served.get(d.id) === endpoint.id).map((d) => d.id),
  };
}

/** The add-on providers are never public: a hostname for one would be a promise the router breaks. */
function refuseInternalApp(app: AppRow): void {
  if (app.system && internalApps().includes(app.name)) {
    throw forbidden(`${app.name} is internal (an add-on provider the kernel calls directly): the public router never serves it, so it takes no domain.`);
  }
}

export function domainRoutes(ctx: ApiContext): Router {
  const router = Router();

  /** The app's certificate named or identified by `ref`, which must cover `hostname`. */
  async function endpointFor(app: AppRow, ref: string, hostname: string): Promise<SniEndpointRow> {
    const endpoint = await findSniEndpoint(ctx.db, app.id, ref);
    if (!endpoint) throw invalidParams(`${app.name} has no SSL certificate ${ref} (ouro certs -a ${app.name} lists them).`);
    if (!covers(endpoint.hostnames, hostname)) {
      throw invalidParams(`The SSL certificate ${endpoint.name} does not cover ${hostname}: it is for ${endpoint.hostnames.join(", ")}.`);
    }
    return endpoint;
  }

  /** Says who has `hostname` in words that name the other app only to someone who may see it. */
  async function taken(viewer: User, app: AppRow, hostname: string, holderId: string) {
    if (holderId === app.id) return invalidParams(`${hostname} is already a domain of ${app.name}.`);
    const holder = await getApp(ctx.db, holderId).catch(() => undefined);
    if (holder && (await canReach(ctx.db, viewer, holder))) {
      return invalidParams(`${hostname} is already a domain of ${holder.name}: remove it there first (ouro domains:remove ${hostname} -a ${holder.name}).`);
    }
    return invalidParams(`${hostname} is already in use by another app.`);
  }

  /** Whether `ref` names the default domain, which has no row: by its id or its hostname. */
  const isDefault = (app: AppRow, ref: string) => ref === defaultDomainId(app) || ref.toLowerCase() === defaultHostname(app, ctx.config);

  /** A custom domain of the app by id or hostname; 404 when it has none such. */
  async function customDomain(app: AppRow, ref: string): Promise<DomainRow> {
    const domain = await findDomain(ctx.db, app.id, ref);
    if (!domain) throw notFound(`Couldn't find that domain: ${ref}.`);
    return domain;
  }

  /** The custom domain a change names; the default one is refused with why. */
  async function changeable(app: AppRow, ref: string, what: string): Promise<DomainRow> {
    if (isDefault(app, ref)) throw invalidParams(`${defaultHostname(app, ctx.config)} is ${app.name}'s default domain: it cannot be ${what}.`);
    return customDomain(app, ref);
  }

  router.get("/apps/:app/domains", async (req, res) => {
    const app = appOf(res);
    const view = await domainView(ctx.db, app);
    sendList(req, res, [defaultDomainShape(app, ctx.config), ...view.domains.map((d) => domainShape(d, app, ctx.config, view.endpointOf(d)))], { hostname: (d) => d.hostname, id: (d) => d.id });
  });

  router.post("/apps/:app/domains", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(DomainCreate, req.body);
    refuseInternalApp(app);
    const hostname = parseCustomHostname(body.hostname, ctx.config.domain);
    const chosen = body.sni_endpoint ? await endpointFor(app, body.sni_endpoint, hostname) : undefined;
    const added = await insertDomain(
      ctx.db,
      { appId: app.id, hostname, sniEndpointId: chosen?.id ?? null },
      auditOf(req, "domain.add", app, { hostname }),
    );
    if ("taken" in added) throw await taken(req.user!, app, hostname, added.taken);
    await ctx.routing.publishApp(app.name);
    const view = await domainView(ctx.db, app);
    res.status(201).json(domainShape(added.row, app, ctx.config, view.endpointOf(added.row)));
  });

  router.get("/apps/:app/domains/:domain", async (req, res) => {
    const app = appOf(res);
    if (isDefault(app, req.params.domain)) return void res.json(defaultDomainShape(app, ctx.config));
    const domain = await customDomain(app, req.params.domain);
    res.json(domainShape(domain, app, ctx.config, (await domainView(ctx.db, app)).endpointOf(domain)));
  });

  // Which certificate serves the domain (what `heroku certs:add` and `domains:update --cert` send).
  router.patch("/apps/:app/domains/:domain", async (req, res) => {
    const app = appOf(res);
    const domain = await changeable(app, req.params.domain, "given another certificate (the platform's serves it)");
    const body = parseBody(DomainUpdate, req.body);
    const chosen = body.sni_endpoint === null ? null : await endpointFor(app, body.sni_endpoint, domain.hostname);
    const updated = await setDomainEndpoint(
      ctx.db,
      domain.id,
      chosen?.id ?? null,
      auditOf(req, "domain.update", app, { hostname: domain.hostname, sni_endpoint: chosen?.name ?? null }),
    );
    await ctx.routing.publishApp(app.name);
    res.json(domainShape(updated, app, ctx.config, (await domainView(ctx.db, app)).endpointOf(updated)));
  });

  router.delete("/apps/:app/domains/:domain", async (req, res) => {
    const app = appOf(res);
    const domain = await changeable(app, req.params.domain, "removed");
    const served = (await domainView(ctx.db, app)).endpointOf(domain);
    await deleteDomain(ctx.db, domain.id, auditOf(req, "domain.remove", app, { hostname: domain.hostname }));
    await ctx.routing.publishApp(app.name);
    res.json(domainShape(domain, app, ctx.config, served));
  });

  return router;
}
