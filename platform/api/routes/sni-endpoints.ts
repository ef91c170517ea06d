// Heroku's SNI endpoints: an app's TLS certificates, which the router serves over HTTPS for the
// app's custom domains they cover (platform/api/cert-assignment.ts). The private key goes in and
// to the router, never back out.
import { Router } from "express";
import { type AppRow, type SniEndpointRow, deleteSniEndpoint, findSniEndpoint, insertSniEndpoint, updateSniEndpoint } from "../../db/index.ts";
import { SniEndpointUpload } from "../../lib/domains-contract.ts";
import { notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { parseCertificateUpload } from "../certificates.ts";
import { type ApiContext, apiNow, parseBody } from "../context.ts";
import { sniEndpointShape } from "../domain-shapes.ts";
import { domainView } from "./domains.ts";
import { sendList } from "../ranges.ts";

export function sniEndpointRoutes(ctx: ApiContext): Router {
  const router = Router();
  const now = () => apiNow(ctx);

  async function endpointOf(app: AppRow, ref: string): Promise<SniEndpointRow> {
    const endpoint = await findSniEndpoint(ctx.db, app.id, ref);
    if (!endpoint) throw notFound(`Couldn't find that SSL certificate: ${ref}.`);
    return endpoint;
  }

  async function shaped(app: AppRow, endpoint: SniEndpointRow) {
    return sniEndpointShape(endpoint, app, (await domainView(ctx.db, app)).domainsOf(endpoint));
  }

  const detail = (name: string, cert: { hostnames: string[]; expiresAt: Date }) => ({ name, cert_domains: cert.hostnames, expires_at: cert.expiresAt.toISOString() });

  router.get("/apps/:app/sni-endpoints", async (req, res) => {
    const app = appOf(res);
    const view = await domainView(ctx.db, app);
    sendList(req, res, view.endpoints.map((e) => sniEndpointShape(e, app, view.domainsOf(e))), { name: (e) => e.name, id: (e) => e.id });
  });

  router.post("/apps/:app/sni-endpoints", async (req, res) => {
    const app = appOf(res);
    const cert = parseCertificateUpload(parseBody(SniEndpointUpload, req.body), now());
    const endpoint = await insertSniEndpoint(ctx.db, app.id, cert, (name) => auditOf(req, "cert.add", app, detail(name, cert)));
    await ctx.routing.publishApp(app.name);
    res.status(201).json(await shaped(app, endpoint));
  });

  router.get("/apps/:app/sni-endpoints/:sni_endpoint", async (req, res) => {
    const app = appOf(res);
    res.json(await shaped(app, await endpointOf(app, req.params.sni_endpoint)));
  });

  // A renewed certificate in place of the old one (`heroku certs:update`): same name and id.
  router.patch("/apps/:app/sni-endpoints/:sni_endpoint", async (req, res) => {
    const app = appOf(res);
    const endpoint = await endpointOf(app, req.params.sni_endpoint);
    const cert = parseCertificateUpload(parseBody(SniEndpointUpload, req.body), now());
    const updated = await updateSniEndpoint(ctx.db, endpoint.id, cert, auditOf(req, "cert.update", app, detail(endpoint.name, cert)));
    await ctx.routing.publishApp(app.name);
    res.json(await shaped(app, updated));
  });

  router.delete("/apps/:app/sni-endpoints/:sni_endpoint", async (req, res) => {
    const app = appOf(res);
    const endpoint = await endpointOf(app, req.params.sni_endpoint);
    const shape = await shaped(app, endpoint);
    await deleteSniEndpoint(ctx.db, endpoint.id, auditOf(req, "cert.remove", app, { name: endpoint.name }));
    await ctx.routing.publishApp(app.name);
    res.json(shape);
  });

  return router;
}
