// The internal build API. A build dyno holds its build's token: with it, that build's source,
// cache, config (spec), output, slug and result — only while the build is pending and before
// its deadline. The builder worker holds the builder token: with it, it starts and watches
// build dynos, and reports one that ended without a result. A standby build dyno holds a token
// of its own: with it, it waits for the build that takes it and is given that build's token.
// Nothing else opens these routes.
import { timingSafeEqual } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Router, type Request } from "express";
import { type BuildRow, getApp, getBuild, getRun, isCheckedLayer, layerUsable, recordFetchedSource, recordUploadedLayer, recordUploadedSlug } from "../../db/index.ts";
import { storeSourceTree } from "../../builds/sources.ts";
import { OuroError, conflict, forbidden, invalidParams, notFound, unauthorized } from "../../lib/errors.ts";
import { UnsafeArchiveError, archiveGunzip, checkSlug } from "../../lib/safe-extract.ts";
import { BUILDER_SCOPE, bearerToken, buildScope, layerProofScope, scopedToken, standbyScope, verifyScopedToken } from "../../lib/tokens.ts";
import {
  BUILD_CACHE_LIMIT_MB,
  BuildResultSchema,
  LAYER_CHALLENGE_HEADER,
  LayerProofSchema,
  type StandbyAssignment,
  layerProof,
} from "../../lib/build-contract.ts";
import { isUuid } from "../../lib/ids.ts";
import { type ApiContext, parseBody } from "../context.ts";
import { SLUG_CHANNEL, standbyKey } from "../../lib/channels.ts";
import { endsAsLayer, joinedDigestFrom } from "../../lib/slug-layers.ts";

const MB = 1024 * 1024;
const bearer = (req: Request) => bearerToken(req.headers.authorization);
/** A slug has at most this many layers below the app's own. */
const MAX_LOWER_LAYERS = 4;
const CHECKSUM = /^SHA256:[0-9a-f]{64}$/;
/** How long a standby build dyno's request for its build is held before it is answered 204 (ask again). */
export const STANDBY_WAIT_MS = 20_000;

export function internalBuildRoutes(ctx: ApiContext): Router {
  const router = Router();
  const secret = () => ctx.config.secrets.tokenSecret;
  /** What a build proves it holds a layer with: its own for each layer, known to no other build. */
  const layerChallenge = (buildId: string, checksum: string) => scopedToken(secret(), layerProofScope(buildId, checksum));

  /** The build, for its own dyno's token, while it may still change. */
  async function buildDyno(req: Request) {
    const id = String(req.params.id);
    if (!verifyScopedToken(secret(), buildScope(id), bearer(req))) {
      throw unauthorized("This token does not grant access to that build.");
    }
    const build = await getBuild(ctx.db, id);
    // Once the build has ended (or its deadline passed), a late or replayed call changes nothing.
    if (build.status !== "pending") throw forbidden(`Build ${build.id} has ${build.status}; its token no longer grants access.`);
    if (build.deadline_at.getTime() <= Date.now()) throw forbidden(`Build ${build.id} is past its deadline; its token no longer grants access.`);
    return { build, app: await getApp(ctx.db, build.app_id) };
  }

  /** The build, for the builder worker's token. */
  async function builder(req: Request): Promise<BuildRow> {
    if (!verifyScopedToken(secret(), BUILDER_SCOPE, bearer(req))) throw unauthorized("Only the builder may manage build dynos.");
    return getBuild(ctx.db, String(req.params.id));
  }

  router.get("/internal/builds/:id/spec", async (req, res) => {
    const { build, app } = await buildDyno(req);
    res.json(await ctx.builds.spec(build, app));
  });

  router.get("/internal/builds/:id/source", async (req, res) => {
    const { build } = await buildDyno(req);
    if (build.source_checksum === null) throw notFound("This build's source has not been fetched yet (PUT it first).");
    if (!ctx.blobs.has(build.source_checksum)) throw notFound("This build's source is missing from the blob store.");
    res.setHeader("Content-Type", "application/x-tar");
    await pipeline(ctx.blobs.read(build.source_checksum), res);
  });

  // A Build API build from a URL: its dyno fetched what is there, and hands it over as it came.
  // The API checks the checksum the caller gave and stores the tree (storeSourceTree) once.
  router.put("/internal/builds/:id/source", async (req, res) => {
    const { build } = await buildDyno(req);
    if (build.source_checksum !== null || !build.source_url) throw conflict(`Build ${build.id} has its source already.`);
    const limit = ctx.builds.slugSizeLimitBytes;
    const fetched = await ctx.blobs.put(req, { maxBytes: limit });
    if (build.source_blob_checksum && build.source_blob_checksum !== fetched.checksum) {
      throw invalidParams(`The source at ${build.source_url} has checksum ${fetched.checksum}, not ${build.source_blob_checksum} as the build was told.`);
    }
    const tree = await storeSourceTree(ctx.blobs, fetched.checksum, limit);
    if (!(await recordFetchedSource(ctx.db, build.id, tree.checksum))) throw conflict(`Build ${build.id} has its source already.`);
    res.status(204).end();
  });

  router.get("/internal/builds/:id/cache", async (req, res) => {
    const { app } = await buildDyno(req);
    const path = ctx.blobs.keyedPath(`cache-${app.id}.tar.gz`);
    if (!existsSync(path)) throw notFound("This app has no build cache yet.");
    res.setHeader("Content-Type", "application/gzip");
    await pipeline(createReadStream(path), res);
  });

  router.put("/internal/builds/:id/cache", async (req, res) => {
    const { app } = await buildDyno(req);
    await ctx.blobs.putKeyed(`cache-${app.id}.tar.gz`, req, { maxBytes: BUILD_CACHE_LIMIT_MB * MB });
    res.status(204).end();
  });

  router.post("/internal/builds/:id/output", async (req, res) => {
    const { build, app } = await buildDyno(req);
    // The stream lives no longer than its build may: cut at the deadline.
    const cut = setTimeout(() => req.destroy(), Math.max(0, build.deadline_at.getTime() - Date.now()));
    try {
      let pending = "";
      for await (const chunk of req) {
        pending += (chunk as Buffer).toString("utf8");
        const end = pending.lastIndexOf("\n");
        if (end < 0 && pending.length < 64 * 1024) continue;
        await ctx.builds.output(build, app, end < 0 ? pending : pending.slice(0, end));
        pending = end < 0 ? "" : pending.slice(end + 1);
      }
      if (pending) await ctx.builds.output(build, app, pending);
    } finally {
      clearTimeout(cut);
    }
    res.status(204).end();
  });

  // A slug in layers (platform/lib/slug-layers.ts): its lower layers (the runtime, the
  // dependencies) first, each only when the API lacks it for this app, then the app's own layer
  // with the lower layers' list.
  //
  // A layer the API holds but this app may not use yet (another app's runtime, the same Node.js
  // to the byte) need not be sent again: HEAD answers 404 with a challenge, and the build proves
  // it holds the very bytes (POST …/proof: an HMAC of the layer under the challenge, which is this
  // build's and this layer's alone). A checksum learned is not enough; only a layer that was
  // checked as one when it was stored can be proved for.
  router.head("/internal/builds/:id/layers/:checksum", async (req, res) => {
    const { build } = await buildDyno(req);
    const checksum = String(req.params.checksum);
    if (!CHECKSUM.test(checksum) || !ctx.blobs.has(checksum)) return void res.status(404).end();
    if (await layerUsable(ctx.db, build, checksum)) return void res.status(200).end();
    if (await isCheckedLayer(ctx.db, checksum)) res.setHeader(LAYER_CHALLENGE_HEADER, layerChallenge(build.id, checksum));
    res.status(404).end();
  });

  router.post("/internal/builds/:id/layers/:checksum/proof", async (req, res) => {
    const { build } = await buildDyno(req);
    const checksum = String(req.params.checksum);
    const { proof } = parseBody(LayerProofSchema, req.body);
    if (!CHECKSUM.test(checksum) || !ctx.blobs.has(checksum) || !(await isCheckedLayer(ctx.db, checksum))) {
      throw notFound(`There is no layer ${checksum} to prove for: upload it instead.`);
    }
    const expected = await layerProof(layerChallenge(build.id, checksum), ctx.blobs.read(checksum));
    const given = Buffer.from(proof, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden(`That proof does not match layer ${checksum}: upload it instead.`);
    if (!(await recordUploadedLayer(ctx.db, build.id, checksum))) throw forbidden(`Build ${build.id} has ended; this layer changes nothing.`);
    res.status(204).end();
  });

  router.put("/internal/builds/:id/layers", async (req, res) => {
    const { build } = await buildDyno(req);
    const stored = await storeCheckedSlug(req);
    if (!(await endsAsLayer(ctx.blobs.path(stored.checksum)))) throw invalidParams("A slug layer must end with the tar's end as a gzip member of its own.");
    if (!(await recordUploadedLayer(ctx.db, build.id, stored.checksum))) throw forbidden(`Build ${build.id} has ended; this layer changes nothing.`);
    res.json(stored);
  });

  router.put("/internal/builds/:id/slug", async (req, res) => {
    const { build } = await buildDyno(req);
    const lowers = lowerLayers(req.query.layers);
    for (const layer of lowers) {
      // The slug may name a layer its build stored or its app has: never another app's blob whose checksum a build learned.
      if (!(await layerUsable(ctx.db, build, layer)) || !ctx.blobs.has(layer)) throw forbidden(`Layer ${layer} is not this build's to use: upload it first.`);
      if (!(await endsAsLayer(ctx.blobs.path(layer)))) throw invalidParams(`Layer ${layer} cannot be joined with the layers above it.`);
    }
    const digest = joinedDigestFrom(lowers.map((c) => ctx.blobs.path(c)));
    const top = await storeCheckedSlug(req);
    const layers = lowers.length > 0 ? [...lowers, top.checksum] : null;
    const stored = layers ? await digest(ctx.blobs.path(top.checksum)) : top;
    if (stored.size > ctx.builds.slugSizeLimitBytes) throw tooLarge(stored.size);
    // The result may name this slug only.
    if (!(await recordUploadedSlug(ctx.db, build.id, stored.checksum, layers))) throw forbidden(`Build ${build.id} has ended; this slug changes nothing.`);
    // The dyno manager unpacks it now, while the build finishes: its dynos start without waiting for that.
    for (const blob of layers ?? [stored.checksum]) await ctx.redis.publish(SLUG_CHANNEL, blob);
    res.json(layers ? { ...stored, layers } : stored);
  });

  router.post("/internal/builds/:id/result", async (req, res) => {
    const { build, app } = await buildDyno(req);
    const result = parseBody(BuildResultSchema, req.body);
    // Compare and set: of two results posted at once, one is taken and the other refused.
    if (!(await ctx.builds.finish(build, app, result))) throw conflict(`Build ${build.id} has already ended; this result changes nothing.`);
    res.status(204).end();
  });

  // A standby build dyno (platform/builds/build-dynos.ts) asks which build took it: the build's id
  // and credential once one has, 204 after STANDBY_WAIT_MS without (it asks again), 410 once it
  // is closed. The database says; the Redis list only wakes the request when a build takes it.
  router.get("/internal/standbys/:id/build", async (req, res) => {
    const id = String(req.params.id);
    if (!isUuid(id) || !verifyScopedToken(secret(), standbyScope(id), bearer(req))) {
      throw unauthorized("This token does not grant access to that standby build dyno.");
    }
    const deadline = Date.now() + STANDBY_WAIT_MS;
    // A connection of its own to wait on (BLPOP blocks it), made only when there is something to wait for.
    let waiting: ReturnType<typeof ctx.redis.duplicate> | undefined;
    let closed = false;
    const gone = new Promise<void>((resolve) =>
      res.on("close", () => {
        closed = true;
        resolve();
      }),
    );
    try {
      for (;;) {
        const run = await getRun(ctx.db, id);
        if (run.build_id) {
          const assignment: StandbyAssignment = { buildId: run.build_id, token: scopedToken(secret(), buildScope(run.build_id)) };
          res.json(assignment);
          return;
        }
        if (run.state === "complete") throw new OuroError(410, "gone", "This standby build dyno was closed before a build took it.");
        const left = deadline - Date.now();
        if (left <= 0 || closed) {
          res.status(204).end();
          return;
        }
        if (!waiting) {
          waiting = ctx.redis.duplicate();
          waiting.on("error", () => {}); // a lost connection ends the wait; the run's row still answers
        }
        await Promise.race([waiting.blpop(standbyKey(id), Math.max(1, Math.ceil(left / 1000))).catch(() => null), gone]);
      }
    } finally {
      waiting?.disconnect();
    }
  });

  router.post("/internal/builds/:id/dyno", async (req, res) => {
    res.json(await ctx.builds.dynos.start(await builder(req)));
  });

  router.get("/internal/builds/:id/dyno", async (req, res) => {
    res.json(await ctx.builds.dynos.get(await builder(req)));
  });

  router.post("/internal/builds/:id/dyno/ended", async (req, res) => {
    res.json(await ctx.builds.dynos.ended(await builder(req)));
  });

  /**
   * Stores an uploaded slug and checks it in the same pass, as it arrives: the check does not
   * read the slug again once it is stored. A slug too large is refused as such (413) whatever
   * the check found; one the check refuses is refused with why (422).
   */
  async function storeCheckedSlug(upload: Readable) {
    const toStore = new PassThrough();
    const toCheck = new PassThrough();
    upload.pipe(toStore);
    upload.pipe(toCheck);
    // A check that stopped early reads no further: its side is dropped, so the upload flows on.
    const checked = checkSlug(toCheck.pipe(archiveGunzip())).catch((error: Error) => {
      toCheck.destroy();
      return error;
    });
    const stored = await ctx.blobs.put(toStore, { maxBytes: ctx.builds.slugSizeLimitBytes });
    const refused = await checked;
    if (refused) throw refused instanceof UnsafeArchiveError ? invalidParams(refused.message) : refused;
    return stored;
  }

  function tooLarge(size: number) {
    const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
    return new OuroError(413, "payload_too_large", `This slug is ${mb(size)}, larger than the ${mb(ctx.builds.slugSizeLimitBytes)} allowed.`);
  }

  return router;
}

/** `?layers=a,b`: the checksums of the slug's layers below the app's own, bottom first. */
function lowerLayers(query: unknown): string[] {
  if (query === undefined || query === "") return [];
  const layers = typeof query === "string" ? query.split(",") : [];
  if (layers.length === 0 || layers.length > MAX_LOWER_LAYERS || !layers.every((l) => CHECKSUM.test(l))) {
    throw invalidParams(`layers must be up to ${MAX_LOWER_LAYERS} comma-separated checksums (SHA256:<hex>), bottom first.`);
  }
  return layers;
}
