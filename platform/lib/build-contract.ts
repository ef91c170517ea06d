// The shapes that cross the `builds` queue and the /internal/builds API, shared by
// the kernel and the builder app (whose slug carries platform/lib). docs/internals.md.
import { createHmac } from "node:crypto";
import { z } from "zod";
import { ConfigVarsSchema } from "./config-vars.ts";

export const BUILD_QUEUE = "builds";

/** The compressed slug's size limit (OURO_SLUG_SIZE_LIMIT, MB): the builder checks it, the API enforces it. */
export const DEFAULT_SLUG_SIZE_LIMIT_MB = 500;
/** What the API accepts as one app's build cache. */
export const BUILD_CACHE_LIMIT_MB = 1024;
/** Where a build dyno finds its app's build cache on the host it runs on (platform/dynos/dyno-fs.ts). */
export const BUILD_CACHE_DIR = "/cache";

/** The builder app, and the process type of its release that one build dyno runs. */
export const BUILDER_APP = "builder";
export const BUILD_PROCESS_TYPE = "build";

/**
 * A queued build: ids only. Whoever can read the queue learns that a build exists and
 * nothing else; what the build needs, its dyno fetches with the build's own credential.
 */
export const BuildJobSchema = z.object({
  buildId: z.string().uuid(),
  app: z.string().min(1),
});

export type BuildJob = z.infer<typeof BuildJobSchema>;

/**
 * The build dyno's whole environment from the platform: where the API is, which build,
 * and that build's credential (valid only while the build is pending, until its deadline).
 */
export const BUILD_DYNO_ENV = {
  apiUrl: "OURO_API_URL",
  buildId: "OURO_BUILD_ID",
  token: "OURO_BUILD_TOKEN",
} as const;

/** HEAD /internal/builds/:id/layers/:checksum: the challenge to prove a layer with, when the API holds it but the build's app may not use it yet. */
export const LAYER_CHALLENGE_HEADER = "ouro-layer-challenge";

/** POST /internal/builds/:id/layers/:checksum/proof: the layer's bytes, HMAC-SHA256 under the challenge, as hex. */
export const LayerProofSchema = z.object({ proof: z.string().regex(/^[0-9a-f]{64}$/, "proof must be 64 hex digits (an HMAC-SHA256)") });

/** The proof of holding a layer: HMAC-SHA256 of its bytes under the challenge. */
export async function layerProof(challenge: string, bytes: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): Promise<Buffer> {
  const hmac = createHmac("sha256", challenge);
  for await (const chunk of bytes) hmac.update(chunk);
  return hmac.digest();
}

/**
 * A standby build dyno's whole environment from the platform: where the API is, and its own run
 * and credential, which serve only to wait for the build that takes it
 * (GET /internal/standbys/:run/build answers that build's id and credential).
 */
export const STANDBY_DYNO_ENV = {
  apiUrl: "OURO_API_URL",
  runId: "OURO_STANDBY_RUN",
  token: "OURO_STANDBY_TOKEN",
} as const;

/** GET /internal/standbys/:run/build, once a build took the standby dyno. */
export const StandbyAssignmentSchema = z.object({
  buildId: z.string().uuid(),
  token: z.string().min(1),
});

export type StandbyAssignment = z.infer<typeof StandbyAssignmentSchema>;

/** GET /internal/builds/:id/spec, with the build's credential: what to build with. */
export const BuildSpecSchema = z.object({
  app: z.string().min(1),
  /** The app's config vars, written to ENV_DIR. */
  env: ConfigVarsSchema,
  /** Platform build settings exported to buildpacks (NPM_CONFIG_REGISTRY, …). */
  buildEnv: z.record(z.string(), z.string()),
  /** Empty: detect among the builder's own buildpacks. */
  buildpacks: z.array(z.string()),
  /** After this (ISO 8601) the build is failed and its dyno stopped. */
  deadline: z.string().datetime(),
  /**
   * A Build API build from a URL Ouro does not hold: the build dyno fetches the source there and
   * hands it to the API (PUT source) before it reads it back (GET source).
   */
  sourceUrl: z.string().url().optional(),
});

export type BuildSpec = z.infer<typeof BuildSpecSchema>;

/** POST and GET /internal/builds/:id/dyno, with the builder's credential: the build's dyno. */
export const BuildDynoSchema = z.object({
  name: z.string(),
  state: z.enum(["pending", "running", "complete"]),
  exitCode: z.number().int().nullable(),
  /** The build's own status: once it is not `pending`, the builder's job is done. */
  buildStatus: z.enum(["pending", "succeeded", "failed"]),
});

export type BuildDyno = z.infer<typeof BuildDynoSchema>;

export const BuildResultSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("succeeded"),
    checksum: z.string().regex(/^SHA256:[0-9a-f]{64}$/),
    processTypes: z.record(z.string(), z.string()),
    buildpackDescription: z.string(),
    stack: z.string(),
  }),
  /** `message` says what to fix. */
  z.object({ status: z.literal("failed"), message: z.string() }),
]);

export type BuildResult = z.infer<typeof BuildResultSchema>;
