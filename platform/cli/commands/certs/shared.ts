// What the certs commands share: Heroku's SNI endpoint resource (platform/lib/domains-contract.ts),
// its routes, picking one as heroku's CLI does, and its details as heroku's CLI prints them.
import { readFile } from "node:fs/promises";
import type { ApiClient } from "../../api-client.ts";
import { CliError } from "../../errors.ts";
import { formatTime, type Printer } from "../../printer.ts";
import type { SniEndpointResource, SniEndpointUpload } from "../../../lib/domains-contract.ts";
import { domainsApi } from "../domains/shared.ts";

const enc = encodeURIComponent;

export const certsApi = (api: ApiClient) => ({
  list: (app: string) => api.request<SniEndpointResource[]>("GET", `/apps/${enc(app)}/sni-endpoints`),
  info: (app: string, ref: string) => api.request<SniEndpointResource>("GET", `/apps/${enc(app)}/sni-endpoints/${enc(ref)}`),
  add: (app: string, body: SniEndpointUpload) => api.request<SniEndpointResource>("POST", `/apps/${enc(app)}/sni-endpoints`, body),
  update: (app: string, ref: string, body: SniEndpointUpload) =>
    api.request<SniEndpointResource>("PATCH", `/apps/${enc(app)}/sni-endpoints/${enc(ref)}`, body),
  remove: (app: string, ref: string) => api.request<SniEndpointResource>("DELETE", `/apps/${enc(app)}/sni-endpoints/${enc(ref)}`),
});

/** `--name`, or the app's one certificate; with several, the user must say which. */
export async function chooseCertificate(api: ApiClient, app: string, name: string | undefined): Promise<SniEndpointResource> {
  const all = await certsApi(api).list(app);
  if (all.length === 0) throw new CliError(`${app} has no SSL certificates.`);
  if (name === undefined) {
    if (all.length > 1) throw new CliError(`${app} has ${all.length} SSL certificates: say which with --name (${all.map((e) => e.name).join(", ")}).`);
    return all[0]!;
  }
  const named = all.find((e) => e.name === name || e.id === name);
  if (!named) throw new CliError(`${app} has no SSL certificate ${name} (ouro certs -a ${app} lists them).`);
  return named;
}

/** A certificate file and its key file, as the API takes them. */
export async function readUpload(crt: string, key: string): Promise<SniEndpointUpload> {
  const read = (path: string, what: string) =>
    readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read the ${what} file ${path}: ${err.code === "ENOENT" ? "no such file" : err.message}`);
    });
  return { certificate_chain: await read(crt, "certificate"), private_key: await read(key, "key") };
}

/** The hostnames of the app's domains the certificate serves (the resource lists their ids). */
export async function servedHostnames(api: ApiClient, endpoint: SniEndpointResource): Promise<string[]> {
  if (endpoint.domains.length === 0) return [];
  const domains = await domainsApi(api).list(endpoint.app.name);
  return domains.filter((d) => endpoint.domains.includes(d.id)).map((d) => d.hostname);
}

export function trust(endpoint: SniEndpointResource): string {
  if (endpoint.ssl_cert["ca_signed?"]) return "SSL certificate is verified by a root authority.";
  if (endpoint.ssl_cert["self_signed?"]) return "SSL certificate is self signed.";
  return "SSL certificate is not trusted.";
}

export function printCertificate(print: Printer, endpoint: SniEndpointResource, hostnames: string[], message = "Certificate details:"): void {
  print.line(message);
  print.keyValues([
    ["Name", endpoint.name],
    ["Common Name(s)", endpoint.ssl_cert.cert_domains.join(", ")],
    ["Expires At", formatTime(endpoint.ssl_cert.expires_at)],
    ["Issuer", endpoint.ssl_cert.issuer],
    ["Starts At", formatTime(endpoint.ssl_cert.starts_at)],
    ["Subject", endpoint.ssl_cert.subject],
    ["Domain(s)", hostnames.join(", ")],
  ]);
  print.line(trust(endpoint));
}
