// Heroku's buildpack installations: GET lists an app's buildpacks, PUT replaces the list.
import { Router } from "express";
import { z } from "zod";
import { type BuildpackInstallationRow, listBuildpackInstallations, setAppBuildpacks } from "../../db/index.ts";
import { isBuildpackRefError, parseBuildpackRef } from "../../lib/buildpack-ref.ts";
import { invalidParams } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { sendList } from "../ranges.ts";

const MAX_BUILDPACKS = 12;

// Each reference is checked, untrimmed, by the builder's own parser: its words reach the user.
const Updates = z.object({
  updates: z.array(z.object({ buildpack: z.string() })).max(MAX_BUILDPACKS),
});

function installationShape(row: BuildpackInstallationRow) {
  return { ordinal: row.ordinal, buildpack: { url: row.url, name: row.url } };
}

/** What a build would refuse is refused here, with the builder's message. */
function checkBuildpackRef(ref: string): void {
  try {
    parseBuildpackRef(ref);
  } catch (error) {
    throw isBuildpackRefError(error) ? invalidParams(error.message) : error;
  }
}

export function buildpackRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/buildpack-installations", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listBuildpackInstallations(ctx.db, app.id)).map(installationShape), { ordinal: (b) => b.ordinal });
  });

  router.put("/apps/:app/buildpack-installations", async (req, res) => {
    const app = appOf(res);
    const urls = parseBody(Updates, req.body).updates.map((u) => u.buildpack);
    for (const url of urls) checkBuildpackRef(url);
    const twice = urls.find((url, i) => urls.indexOf(url) !== i);
    if (twice !== undefined) throw invalidParams(`The buildpack ${twice} is listed twice.`);
    const rows = await setAppBuildpacks(ctx.db, app.id, urls, auditOf(req, "buildpacks.update", app, { buildpacks: urls }));
    res.json(rows.map(installationShape));
  });

  return router;
}
