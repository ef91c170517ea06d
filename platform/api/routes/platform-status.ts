// The platform as its operator watches it (an admin's): each host's CPU, memory and disk, the
// dynos in each state, and the builder's queue. Ouro's own resource; Heroku has none.
import { statfs } from "node:fs/promises";
import { cpus, freemem, hostname, loadavg, totalmem } from "node:os";
import { Router } from "express";
import { buildQueue, dynoCounts, type QueuedBuild } from "../../db/index.ts";
import type { PlatformStatusResource, QueuedBuildView } from "../../lib/plan-contract.ts";
import { requireAdmin } from "../access.ts";
import type { ApiContext } from "../context.ts";

const queued = (b: QueuedBuild): QueuedBuildView => ({ ...b, created_at: b.created_at.toISOString(), updated_at: b.updated_at.toISOString() });

export function platformStatusRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/platform/status", async (req, res) => {
    requireAdmin(req, "see the platform's status");
    const disk = await statfs(ctx.config.dataDir);
    const builds = await buildQueue(ctx.db);
    // One host: the kernel's processes and every dyno run on the machine the API runs on.
    const status: PlatformStatusResource = {
      hosts: [
        {
          name: hostname(),
          cpus: cpus().length,
          load: loadavg().map((l) => Math.round(l * 100) / 100),
          memory: { total: totalmem(), available: freemem() },
          disk: { total: disk.blocks * disk.bsize, available: disk.bavail * disk.bsize },
        },
      ],
      dynos: await dynoCounts(ctx.db),
      builds: { pending: builds.pending.map(queued), failed: builds.failed.map(queued) },
    };
    res.json(status);
  });

  return router;
}
