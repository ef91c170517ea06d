import express, { type NextFunction, type Request, type Response } from "express";
import { OuroError } from "../lib/errors.ts";
import { gitRoutes, hookRoutes } from "../git/index.ts";
import { appAccess } from "./access.ts";
import { requireUser } from "./auth.ts";
import { createAddonService } from "../addons/index.ts";
import type { ApiContext, ApiDeps } from "./context.ts";
import { refuseNulBytes } from "./edge.ts";
import { resolveLimits } from "./limits.ts";
import { platformProtocol } from "./protocol.ts";
import { rateLimit } from "./rate-limit.ts";
import { createRoutingPublisher } from "./routing.ts";
import { addonRoutes } from "./routes/addons.ts";
import { appRoutes } from "./routes/apps.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authorizationRoutes } from "./routes/authorizations.ts";
import { collaboratorRoutes } from "./routes/collaborators.ts";
import { buildRoutes, sourceUrlRoutes } from "./routes/builds.ts";
import { buildpackRoutes } from "./routes/buildpacks.ts";
import { configRoutes } from "./routes/config-vars.ts";
import { cronRoutes } from "./routes/cron.ts";
import { domainRoutes } from "./routes/domains.ts";
import { drainRoutes } from "./routes/drains.ts";
import { dynoRoutes } from "./routes/dynos.ts";
import { formationRoutes } from "./routes/formation.ts";
import { internalBuildRoutes } from "./routes/internal-builds.ts";
import { logSessionRoutes, logStreamRoutes } from "./routes/logs.ts";
import { outputRoutes } from "./routes/outputs.ts";
import { platformStatusRoutes } from "./routes/platform-status.ts";
import { slugBlobRoutes, slugRoutes } from "./routes/slugs.ts";
import { releaseRoutes } from "./routes/releases.ts";
import { sniEndpointRoutes } from "./routes/sni-endpoints.ts";
import { userRoutes } from "./routes/users.ts";

// PostgreSQL gone or restarting (connection errors, 57P0x: shut down), Redis gone: a wait, not a bug.
const OUTAGE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"]);

function isDatastoreOutage(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && OUTAGE_CODES.has(code)) return true;
  return /^Connection terminated|^Connection is closed|Reached the max retries per request limit/.test(error.message);
}

export function createApi(deps: ApiDeps): express.Express {
  const ctx: ApiContext = {
    ...deps,
    limits: resolveLimits(deps.limits),
    addons: createAddonService({
      db: deps.db,
      redis: deps.redis,
      routeNamespace: deps.routeNamespace,
      releaseChange: deps.builds.releaseChange,
    }),
    routing: createRoutingPublisher({ db: deps.db, redis: deps.redis, namespace: deps.routeNamespace }),
  };
  const api = express();
  api.disable("x-powered-by");
  api.set("etag", false);
  api.use(platformProtocol);
  // Parses only JSON bodies; git packs, tarballs and output streams pass untouched.
  api.use(express.json({ limit: "1mb", type: ["application/json", "application/*+json"] }));
  api.use(refuseNulBytes);

  api.get("/healthz", (_req, res) => void res.json({ ok: true }));
  // Routes whose credential is a scoped token, not a user's key.
  api.use(logStreamRoutes(ctx));
  api.use(sourceUrlRoutes(ctx));
  api.use(outputRoutes(ctx));
  api.use(slugBlobRoutes(ctx));
  api.use(internalBuildRoutes(ctx));
  api.use(hookRoutes(ctx));

  api.use(requireUser(ctx.db));
  api.use(rateLimit({ redis: ctx.redis, requestsPerHour: ctx.limits.requestsPerHour, clock: ctx.clock }));
  // An app the caller may not reach is 404 on every route that names it, git's included.
  api.use(["/apps/:app", "/:app.git"], appAccess(ctx.db));
  api.use(gitRoutes(ctx));
  // Heroku's account, with Ouro's `admin` and the calling key's `scope` (what the dashboard offers depends on them).
  api.get("/account", (req, res) =>
    void res.json({ id: req.user!.id, email: req.user!.email, name: req.user!.email, admin: req.user!.admin, scope: req.apiKey!.scope }),
  );
  api.use(authorizationRoutes(ctx));
  api.use(userRoutes(ctx));
  api.use(auditRoutes(ctx));
  api.use(collaboratorRoutes(ctx));
  api.use(appRoutes(ctx));
  api.use(configRoutes(ctx));
  api.use(buildpackRoutes(ctx));
  api.use(formationRoutes(ctx));
  api.use(releaseRoutes(ctx));
  api.use(slugRoutes(ctx));
  api.use(buildRoutes(ctx));
  api.use(dynoRoutes(ctx));
  api.use(addonRoutes(ctx));
  api.use(logSessionRoutes(ctx));
  api.use(drainRoutes(ctx));
  api.use(cronRoutes(ctx));
  api.use(domainRoutes(ctx));
  api.use(sniEndpointRoutes(ctx));
  api.use(platformStatusRoutes(ctx));

  api.use((req: Request) => {
    throw new OuroError(404, "not_found", `No route for ${req.method} ${req.path}.`);
  });
  api.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof OuroError) {
      return void res.status(error.status).json({ id: error.id, message: error.message });
    }
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      return void res.status(status).json({ id: "bad_request", message: error.message });
    }
    if (res.headersSent) {
      console.error(error);
      return void res.end();
    }
    if (isDatastoreOutage(error)) {
      console.error(`${req.method} ${req.path}: a datastore is not answering: ${error.message}`);
      return void res.status(503).json({ id: "service_unavailable", message: "Ouro's database or Redis is not answering; try again shortly." });
    }
    console.error(error);
    res.status(500).json({ id: "internal_error", message: "Ouro hit an internal error; the API log has the details." });
  });
  return api;
}
