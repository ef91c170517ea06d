// The shapes that cross the `builds` queue and the /internal/builds API, shared by
// the kernel and the builder app (whose slug carries platform/lib). docs/internals.md.
import { z } from "zod";
import { ConfigVarsSchema } from "./config-vars.ts";

export const BUILD_QUEUE = "builds";

export const BuildJobSchema = z.object({
  buildId: z.string().uuid(),
  app: z.string().min(1),
  /** Bearer token valid only for /internal/builds/<buildId>/*. */
  token: z.string().min(1),
  /** The app's config vars, written to ENV_DIR. */
  env: ConfigVarsSchema,
  /** Platform build settings exported to buildpacks (NPM_CONFIG_REGISTRY, …). */
  buildEnv: z.record(z.string(), z.string()),
  /** Empty: detect among the builder's own buildpacks. */
  buildpacks: z.array(z.string()),
});

export type BuildJob = z.infer<typeof BuildJobSchema>;

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
