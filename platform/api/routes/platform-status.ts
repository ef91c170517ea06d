// The platform as its operator watches it (an admin's): each host's CPU, memory and disk, the
// dynos in each state, and the builder's queue. Ouro's own resource; Heroku has none.
import { statfs } from "node:fs/promises";
import { cpus, freemem, hostname, loadavg, totalmem } from "node:os";
import { Router } from "express";
import { buildQueue, dynoCounts, type QueuedBuild } from "../../db/index.ts";
import { requireAdmin } from "../access.ts";
import type { ApiContext } from "../context.ts";

export interface HostStatus {
  name: string;
  cpus: number;
  /** The 1, 5 and 15 minute load averages. */
  load: number[];
  memory: { total: number; available: number };
  /** The file system of the data dir (slugs, builds' caches, dynos' files). */
  disk: { total: number; available: number };
}

export interface PlatformStatus {
  hosts: HostStatus[];
  dynos: Record<string, number>;
  builds: { pending: QueuedBuild[]; failed: QueuedBuild[] };
}

export function platformStatusRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/platform/status", async (req, res) => {
    requireAdmin(req);
    const disk = await statfs(ctx.config.dataDir);
    // One host: the kernel's processes and every dyno run on the machine the API runs on.
    const host: HostStatus = {
      name: hostname(),
      cpus: cpus().length,
      load: loadavg().map((l) => Math.round(l * 100) / 100),
      memory: { total: totalmem(), available: freemem() },
      disk: { total: disk.blocks * disk.bsize, available: disk.bavail * disk.bsize },
    };
    const status: PlatformStatus = { hosts: [host], dynos: await dynoCounts(ctx.db), builds: await buildQueue(ctx.db) };
    res.json(status);
  });

  return router;
}
