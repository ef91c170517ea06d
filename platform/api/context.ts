import type { Redis } from "ioredis";
import type { AddonService } from "../addons/index.ts";
import type { BlobStore } from "../blobs/index.ts";
import type { BuildService } from "../builds/index.ts";
import type { Config } from "../lib/config.ts";
import type { Db } from "../db/index.ts";
import { invalidParams } from "../lib/errors.ts";
import type { z } from "zod";
import type { ApiLimits } from "./limits.ts";
import type { RoutingPublisher } from "./routing.ts";

/** What the API is made from; made once by api/main.ts (or by a test). */
export interface ApiDeps {
  config: Config;
  db: Db;
  redis: Redis;
  blobs: BlobStore;
  builds: BuildService;
  notifyFormation: (app: string) => Promise<void>;
  /** Quotas, the host's memory and the request rate; defaults (limits.ts) for what is left out. */
  limits?: Partial<ApiLimits>;
  /** The time as the API sees it (log session expiry); a test hands in one it can move on. */
  clock?: () => Date;
  /**
   * Prefixes the route keys the API writes and reads (domains, certificates, maintenance, the
   * providers' web dynos), as the router's own namespace does: a test's never touch the live ones.
   */
  routeNamespace?: string;
}

/** What the API's routes receive: its deps and the services createApi builds on them. */
export interface ApiContext extends Omit<ApiDeps, "limits"> {
  addons: AddonService;
  routing: RoutingPublisher;
  limits: ApiLimits;
}

/** The time as the API sees it: the test's clock when one was handed in. */
export const apiNow = (ctx: Pick<ApiContext, "clock">): Date => ctx.clock?.() ?? new Date();

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidParams(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
