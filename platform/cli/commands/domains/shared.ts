// What the domains commands share: Heroku's domain resource (platform/lib/domains-contract.ts) and its routes.
import type { ApiClient } from "../../api-client.ts";
import type { DomainCreate, DomainResource } from "../../../lib/domains-contract.ts";

const enc = encodeURIComponent;

export const domainsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<DomainResource[]>("GET", `/apps/${enc(app)}/domains`),
  info: (app: string, hostname: string) => api.request<DomainResource>("GET", `/apps/${enc(app)}/domains/${enc(hostname)}`),
  add: (app: string, body: DomainCreate) => api.request<DomainResource>("POST", `/apps/${enc(app)}/domains`, body),
  remove: (app: string, hostname: string) => api.request<DomainResource>("DELETE", `/apps/${enc(app)}/domains/${enc(hostname)}`),
});

/**
 * The DNS record to make, as heroku's CLI says it: a name of two labels is taken for an apex, which
 * DNS allows no CNAME for (a guess: without the public suffix list, `example.co.uk` looks like a subdomain).
 */
export const recordType = (hostname: string) => (!hostname.startsWith("*.") && hostname.split(".").length === 2 ? "ALIAS or ANAME" : "CNAME");
