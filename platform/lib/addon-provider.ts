// The add-on provider contract's HTTP side (docs/addons.md), shared by every provider app:
// `POST /provision` and `DELETE /provision/:addon_id` behind the kernel's bearer secret.
// node:http only, so a provider's slug carries nothing but its own datastore client.
// It lives here because apps/redis imports it too; platform/lib is its natural home.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface ProvisionRequest {
  addonId: string;
  app: string;
}

/** What a provider app implements; the handler below does the HTTP. */
export interface Provider {
  /** Creates (or, for an id seen before, re-creates) the resource; answers its config vars. */
  provision(request: ProvisionRequest): Promise<Record<string, string>>;
  /** Removes the resource and its data; a no-op for an unknown id. */
  deprovision(addonId: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY = 64 * 1024;

/** `addon_<short id>`'s short id: 12 hex digits of the add-on's uuid, safe in SQL and ACL names. */
export function addonShortId(addonId: string): string {
  if (!UUID.test(addonId)) throw new ProviderError(422, "invalid_params", `addon_id must be a lowercase uuid, not ${JSON.stringify(addonId)}.`);
  return addonId.replace(/-/g, "").slice(0, 12);
}

export class ProviderError extends Error {
  readonly status: number;
  readonly id: string;
  constructor(status: number, id: string, message: string) {
    super(message);
    this.name = "ProviderError";
    this.status = status;
    this.id = id;
  }
}

export interface ProviderHandlerOptions {
  provider: Provider;
  secret: string;
  log: (line: string) => void;
}

export function createProviderHandler(options: ProviderHandlerOptions) {
  const expected = Buffer.from(`Bearer ${options.secret}`);
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0]!;
    try {
      if (req.method === "GET" && path === "/") return send(res, 200, { ok: true });
      if (!authorized(req.headers.authorization)) throw new ProviderError(401, "unauthorized", "A valid provider secret is required.");
      if (req.method === "POST" && path === "/provision") {
        const request = parseProvisionRequest(await readJson(req));
        const config = await options.provider.provision(request);
        options.log(`provisioned ${request.addonId} for ${request.app}`);
        return send(res, 200, { config });
      }
      const match = /^\/provision\/([^/]+)$/.exec(path);
      if (req.method === "DELETE" && match) {
        const addonId = decodeURIComponent(match[1]!);
        addonShortId(addonId);
        await options.provider.deprovision(addonId);
        options.log(`deprovisioned ${addonId}`);
        res.writeHead(204).end();
        return;
      }
      throw new ProviderError(404, "not_found", `No route for ${req.method} ${path}.`);
    } catch (error) {
      if (error instanceof ProviderError) return send(res, error.status, { id: error.id, message: error.message });
      options.log(`${req.method} ${path} failed: ${(error as Error).message}`);
      send(res, 500, { id: "internal_error", message: `The provider failed: ${(error as Error).message}` });
    }
  };
}

export function parseProvisionRequest(body: unknown): ProvisionRequest {
  const { addon_id: addonId, app } = (body ?? {}) as { addon_id?: unknown; app?: unknown };
  if (typeof addonId !== "string") throw new ProviderError(422, "invalid_params", "addon_id: a uuid is required.");
  if (typeof app !== "string" || app === "") throw new ProviderError(422, "invalid_params", "app: the app's name is required.");
  addonShortId(addonId);
  return { addonId, app };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ProviderError(413, "too_large", "The request body is too large.");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    throw new ProviderError(400, "bad_request", "The request body is not JSON.");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

/** A URL's host and port, for handing out credentials on the server the admin URL names. */
export function serverOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

export interface ServeOptions {
  name: string;
  provider: Provider;
  secret: string;
  port: number;
  /** Closes the datastore connection when the dyno is stopped. */
  close: () => Promise<void>;
}

/** A provider's web dyno: listens on `$PORT`, stops cleanly on the dyno manager's SIGTERM. */
export function serveProvider(options: ServeOptions): void {
  const log = (line: string) => console.log(`${options.name}: ${line}`);
  const handler = createProviderHandler({ provider: options.provider, secret: options.secret, log });
  const server = createServer((req, res) => void handler(req, res));
  server.listen(options.port, () => log(`provider listening on ${options.port}`));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log(`${signal}, closing`);
      server.close();
      options.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
