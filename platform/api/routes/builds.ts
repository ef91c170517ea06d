// The Build API: sources to upload a tarball to (builds/sources.ts), builds made from them or from
// any http(s) URL (which the build's dyno fetches, not the API), and a build's list and info, each
// with its output_stream_url (outputs.ts).
import { randomUUID } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { type Response, Router } from "express";
import { z } from "zod";
import { type AppRow, type BuildRow, getBuild, listBuilds } from "../../db/index.ts";
import { SOURCE_TTL_MS, openSource, recordUpload, sourceUrls, storeSourceTree, uploadedSource } from "../../builds/sources.ts";
import { invalidParams, notFound } from "../../lib/errors.ts";
import { appOf, auditOf } from "../access.ts";
import { type ApiContext, apiNow, parseBody } from "../context.ts";
import { hostApiUrl } from "../../lib/config.ts";
import { BY_CREATED_ID, sendList } from "../ranges.ts";
import { buildShape } from "../shapes.ts";
import { outputUrl } from "./outputs.ts";

const now = apiNow;
const apiBase = (ctx: ApiContext) => hostApiUrl(ctx.config);

const CreateBuild = z.object({
  source_blob: z.object({
    url: z.string().min(1).max(2048),
    checksum: z
      .string()
      .regex(/^SHA256:[0-9a-f]{64}$/, "a checksum is SHA256: and 64 hex digits")
      .nullish(),
    version: z.string().max(255).nullish(),
    version_description: z.string().max(1024).nullish(),
  }),
  buildpacks: z.array(z.object({ url: z.string().optional(), name: z.string().optional() })).nullish(),
});

const SOURCE_PATH = /^\/sources\/([0-9a-f-]{36})$/;

export function buildRoutes(ctx: ApiContext): Router {
  const router = Router();
  const shape = (build: BuildRow, app: AppRow, res: Response) => buildShape(build, app, outputUrl(ctx, "build", build.id, res.req.user!.id));

  // A place to upload a tarball to, and the URL to build it from (Heroku's sources endpoint; the
  // app in the path changes nothing but who may ask).
  const newSource = (res: Response) => {
    const grant = { sourceId: randomUUID(), userId: res.req.user!.id, expiresAt: new Date(now(ctx).getTime() + SOURCE_TTL_MS) };
    res.status(201).json({ source_blob: sourceUrls(ctx.config.secrets.tokenSecret, apiBase(ctx), grant) });
  };
  router.post("/apps/:app/sources", (_req, res) => newSource(res));
  router.post("/sources", (_req, res) => newSource(res));

  router.post("/apps/:app/builds", async (req, res) => {
    const app = appOf(res);
    const body = parseBody(CreateBuild, req.body);
    if (body.buildpacks?.length) {
      throw invalidParams("A build uses its app's buildpacks: set them with buildpacks:set (PUT /apps/:app/buildpack-installations), then create the build without buildpacks.");
    }
    const { url, checksum } = body.source_blob;
    const version = body.source_blob.version ?? null;
    const audit = auditOf(req, "build.create", app, { version });
    const held = await heldSource(url);
    if (held && checksum && checksum !== held.checksum) {
      throw invalidParams(`The source uploaded there has checksum ${held.checksum}, not ${checksum}: upload it again, or give its checksum.`);
    }
    // A source Ouro holds is built as it is; any other URL is fetched by the build's own dyno,
    // which reaches what a build may reach (never the API's host, its datastores or other dynos).
    const source = held ? { tree: held.tree, url } : { fetch: url, ...(checksum ? { checksum } : {}) };
    const build = await ctx.builds.start({ app, userId: req.user!.id, source, version, audit });
    res.status(201).json(shape(build, app, res));
  });

  /**
   * What was uploaded to one of Ouro's own get_urls (at the API's own address), or undefined for a
   * URL elsewhere; a URL that is neither is refused with what to do.
   */
  async function heldSource(url: string) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidParams("source_blob.url is not a URL: give the URL of a tar.gz, or a source's get_url (POST /apps/:app/sources).");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw invalidParams(`source_blob.url must be an http or https URL, not ${parsed.protocol.replace(/:$/, "")}.`);
    }
    const sourceId = SOURCE_PATH.exec(parsed.pathname)?.[1];
    if (parsed.origin !== apiBase(ctx) || !sourceId) return undefined;
    const opens = (use: "get" | "put") => {
      try {
        openSource(ctx.config.secrets.tokenSecret, use, sourceId, parsed.search.slice(1), now(ctx));
        return undefined;
      } catch (error) {
        return error as Error;
      }
    };
    const refused = opens("get");
    // Not the key's fault (no 401): the URL given is no get_url, or an expired one.
    if (refused) {
      throw invalidParams(opens("put") ? `source_blob.url: ${refused.message}` : "source_blob.url is the source's put_url: a build reads its source from the get_url.");
    }
    const source = await uploadedSource(ctx.redis, sourceId);
    if (!source) throw invalidParams("Nothing has been uploaded to this source yet: PUT the tarball to its put_url first.");
    return source;
  }

  router.get("/apps/:app/builds", async (req, res) => {
    const app = appOf(res);
    sendList(req, res, (await listBuilds(ctx.db, app.id)).map((b) => shape(b, app, res)), BY_CREATED_ID);
  });

  router.get("/apps/:app/builds/:build", async (req, res) => {
    const app = appOf(res);
    const build = await getBuild(ctx.db, req.params.build);
    if (build.app_id !== app.id) throw notFound(`Couldn't find that build: ${req.params.build}.`);
    res.json(shape(build, app, res));
  });
  return router;
}

/** Mounted before authentication: the URL is the credential (a source's put and get). */
export function sourceUrlRoutes(ctx: ApiContext): Router {
  const router = Router();
  const query = (url: string) => url.split("?")[1] ?? "";

  router.put("/sources/:id", async (req, res) => {
    const grant = openSource(ctx.config.secrets.tokenSecret, "put", req.params.id, query(req.url), now(ctx));
    const limit = ctx.builds.slugSizeLimitBytes;
    const upload = await ctx.blobs.put(req, { maxBytes: limit });
    const tree = await storeSourceTree(ctx.blobs, upload.checksum, limit);
    await recordUpload(ctx.redis, grant.sourceId, { checksum: upload.checksum, size: upload.size, tree: tree.checksum }, grant.expiresAt);
    res.status(200).end();
  });

  router.get("/sources/:id", async (req, res) => {
    const grant = openSource(ctx.config.secrets.tokenSecret, "get", req.params.id, query(req.url), now(ctx));
    const source = await uploadedSource(ctx.redis, grant.sourceId);
    if (!source || !ctx.blobs.has(source.checksum)) throw notFound("Nothing has been uploaded to this source yet.");
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Length", String(source.size));
    await pipeline(ctx.blobs.read(source.checksum), res);
  });

  return router;
}
