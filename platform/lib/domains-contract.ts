// Custom domains, TLS certificates (Heroku's SNI endpoints) and maintenance mode, as the API
// answers them (platform/api/domain-shapes.ts builds them) and the CLI reads and sends them: one
// statement for both ends, in Heroku's Platform API v3 shape. Times are ISO 8601 strings.
import { z } from "zod";

export interface AppRef {
  id: string;
  name: string;
}

/**
 * Heroku's domain. `kind` is `heroku` for the app's own `<app>.<OURO_DOMAIN>` (always listed,
 * never removed) and `custom` for the others. `cname` is where DNS should point a custom name:
 * the app's own hostname. Ouro manages no DNS, so `status` is `none` (nothing to wait for).
 */
export interface DomainResource {
  id: string;
  app: AppRef;
  hostname: string;
  kind: "heroku" | "custom";
  cname: string | null;
  status: "none";
  /** The certificate the router serves for this hostname over HTTPS; null: the platform's default. */
  sni_endpoint: { id: string; name: string } | null;
  acm_status: null;
  acm_status_reason: null;
  created_at: string;
  updated_at: string;
}

/** What the certificate says, as Heroku's `ssl_cert`; `issuer` and `subject` as `/C=…/O=…/CN=…`. */
export interface SslCertResource {
  id: string;
  acm: false;
  "ca_signed?": boolean;
  "self_signed?": boolean;
  cert_domains: string[];
  starts_at: string;
  expires_at: string;
  issuer: string;
  subject: string;
}

/** Heroku's SNI endpoint: one certificate of an app. Its private key is never answered. */
export interface SniEndpointResource {
  id: string;
  name: string;
  display_name: null;
  app: AppRef;
  /** PEM: the certificate, then its chain. */
  certificate_chain: string;
  /** The ids of the app's domains the router serves this certificate for. */
  domains: string[];
  ssl_cert: SslCertResource;
  created_at: string;
  updated_at: string;
}

/** POST /apps/:app/domains (what `heroku domains:add` sends). `sni_endpoint`: a certificate's name or id. */
export const DomainCreate = z.object({
  hostname: z.string().min(1).max(300),
  sni_endpoint: z.string().min(1).max(100).nullable().optional(),
});
export type DomainCreate = z.infer<typeof DomainCreate>;

/** PATCH /apps/:app/domains/:domain: which certificate serves it (null: the best that covers it). */
export const DomainUpdate = z.object({ sni_endpoint: z.string().min(1).max(100).nullable() });
export type DomainUpdate = z.infer<typeof DomainUpdate>;

/** POST and PATCH /apps/:app/sni-endpoints (what `heroku certs:add` and `certs:update` send): PEM text. */
export const SniEndpointUpload = z.object({
  certificate_chain: z.string().min(1).max(100_000),
  private_key: z.string().min(1).max(20_000),
});
export type SniEndpointUpload = z.infer<typeof SniEndpointUpload>;

/** PATCH /apps/:app: Ouro changes only `maintenance` there. */
export const AppUpdate = z.object({ maintenance: z.boolean().optional() });
export type AppUpdate = z.infer<typeof AppUpdate>;

/** The part of the app resource the maintenance commands read. */
export interface AppMaintenance {
  name: string;
  maintenance: boolean;
}
