// Heroku's buildpack installations: GET lists an app's buildpacks, PUT replaces the list.
import { Router } from "express";
import { z } from "zod";
import { audit, type BuildpackInstallationRow, getApp, listBuildpackInstallations, setAppBuildpacks } from "../../db/index.ts";
import { invalidParams } from "../../lib/errors.ts";
import { type ApiContext, parseBody } from "../context.ts";

// A builder buildpack's name, or a URL the builder can fetch: an http(s) tarball or a git
// repository (http(s), git, ssh), optionally with #branch, tag or commit.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const URL_LIKE = /^(https?|git|ssh):\/\/[^\s#]+(#[A-Za-z0-9][A-Za-z0-9._/-]*)?$/;
const MAX_BUILDPACKS = 12;

const Updates = z.object({
  updates: z.array(z.object({ buildpack: z.string().trim().min(1).max(2048) })).max(MAX_BUILDPACKS),
});

function installationShape(row: BuildpackInstallationRow) {
  return { ordinal: row.ordinal, buildpack: { url: row.url, name: row.url } };
}

export function buildpackRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get("/apps/:app/buildpack-installations", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    res.json((await listBuildpackInstallations(ctx.db, app.id)).map(installationShape));
  });

  router.put("/apps/:app/buildpack-installations", async (req, res) => {
    const app = await getApp(ctx.db, req.params.app);
    const urls = parseBody(Updates, req.body).updates.map((u) => u.buildpack);
    const bad = urls.find((url) => !NAME.test(url) && !URL_LIKE.test(url));
    if (bad !== undefined) {
      throw invalidParams(
        `${JSON.stringify(bad)} is not a buildpack: use one of Ouro's (nodejs, static, procfile), ` +
          "an http(s) URL of a .tgz, or a git URL (optionally #branch, tag or commit).",
      );
    }
    const twice = urls.find((url, i) => urls.indexOf(url) !== i);
    if (twice !== undefined) throw invalidParams(`The buildpack ${twice} is listed twice.`);
    const rows = await setAppBuildpacks(ctx.db, app.id, urls);
    await audit(ctx.db, { actor: req.user!.email, action: "buildpacks.update", app: app.name, detail: { buildpacks: urls } });
    res.json(rows.map(installationShape));
  });

  return router;
}
