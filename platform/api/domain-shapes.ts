// Database rows → Heroku's domain and SNI endpoint resources (platform/lib/domains-contract.ts).
import { createHash } from "node:crypto";
import type { AppRow, DomainRow, SniEndpointRow } from "../db/index.ts";
import type { Config } from "../lib/config.ts";
import type { DomainResource, SniEndpointResource } from "../lib/domains-contract.ts";
import { describeCertificate } from "./certificates.ts";

const appRef = (app: AppRow) => ({ id: app.id, name: app.name });

/** `<app>.<OURO_DOMAIN>`: the name every app has, served with the platform's own certificate. */
export const defaultHostname = (app: Pick<AppRow, "name">, config: Pick<Config, "domain">) => `${app.name}.${config.domain}`;

/** A stable id for the default domain, which has no row: a name-based uuid (version 5 layout) of the app's id. */
export function defaultDomainId(app: Pick<AppRow, "id">): string {
  const hex = createHash("sha1").update(`ouro-default-domain:${app.id}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function defaultDomainShape(app: AppRow, config: Pick<Config, "domain">): DomainResource {
  return {
    id: defaultDomainId(app),
    app: appRef(app),
    hostname: defaultHostname(app, config),
    kind: "heroku",
    cname: null,
    status: "none",
    sni_endpoint: null,
    acm_status: null,
    acm_status_reason: null,
    created_at: app.created_at.toISOString(),
    updated_at: app.created_at.toISOString(),
  };
}

export function domainShape(d: DomainRow, app: AppRow, config: Pick<Config, "domain">, served: Pick<SniEndpointRow, "id" | "name"> | undefined): DomainResource {
  return {
    id: d.id,
    app: appRef(app),
    hostname: d.hostname,
    kind: "custom",
    cname: defaultHostname(app, config),
    status: "none",
    sni_endpoint: served ? { id: served.id, name: served.name } : null,
    acm_status: null,
    acm_status_reason: null,
    created_at: d.created_at.toISOString(),
    updated_at: d.updated_at.toISOString(),
  };
}

/** `domains`: the ids of the app's domains the router serves it for. Never the private key. */
export function sniEndpointShape(e: SniEndpointRow, app: AppRow, domains: string[]): SniEndpointResource {
  return {
    id: e.id,
    name: e.name,
    display_name: null,
    app: appRef(app),
    certificate_chain: e.certificate_chain,
    domains,
    ssl_cert: describeCertificate(e.id, e.certificate_chain),
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at.toISOString(),
  };
}
