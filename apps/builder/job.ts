// The shapes that cross the `builds` queue and the /internal/builds API (docs/internals.md).
import { z } from "zod";

export const BUILD_QUEUE = "builds";

// The stack every dyno runs on (the stack image's suite); `STACK` in the builder's env wins.
export const DEFAULT_STACK = "bookworm";

export const BuildJobSchema = z.object({
  buildId: z.string().uuid(),
  app: z.string().min(1),
  token: z.string().min(1),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()),
  buildEnv: z.record(z.string(), z.string()),
  buildpacks: z.array(z.string()),
});

export type BuildJob = z.infer<typeof BuildJobSchema>;

export type BuildResult =
  | {
      status: "succeeded";
      checksum: string;
      processTypes: Record<string, string>;
      buildpackDescription: string;
      stack: string;
    }
  | { status: "failed"; message: string };
