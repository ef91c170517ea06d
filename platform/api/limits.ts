// What one app may ask of this host (how many one-off dynos at once, how many formation dynos in
// all, dyno sizes that fit in the host's memory) and one user of the API (requests an hour), and
// how many of an app's releases keep their slugs.
// Read from the environment by api/main.ts only; tests hand in their own values.
import { totalmem } from "node:os";
import { z } from "zod";
import { DYNO_SIZES, type DynoSize, dynoSize } from "../lib/dyno-sizes.ts";
import { invalidParams } from "../lib/errors.ts";

export interface ApiLimits {
  /** One-off dynos a user may have open per app (`ouro run`, cron): not build nor release-phase dynos. */
  maxOneOffDynos: number;
  /** The sum of an app's formation quantities. */
  maxDynosPerApp: number;
  /** A size needing more memory than this could never get it. */
  hostMemoryMb: number;
  /** Requests one user's keys may make an hour, in a bucket that refills steadily (Heroku's 4500). */
  requestsPerHour: number;
  /** Each app's newest releases whose slugs the blob store keeps (builds/retention.ts). */
  slugReleasesKept: number;
}

export const DEFAULT_LIMITS: Omit<ApiLimits, "hostMemoryMb"> = { maxOneOffDynos: 5, maxDynosPerApp: 100, requestsPerHour: 4500, slugReleasesKept: 20 };

export const hostMemoryMb = () => Math.floor(totalmem() / (1024 * 1024));

const Count = (name: string) =>
  z.coerce.number({ message: `${name} must be a whole number` }).int(`${name} must be a whole number`).min(1, `${name} must be at least 1`);

const LimitsEnv = z.object({
  OURO_MAX_ONE_OFF_DYNOS: Count("OURO_MAX_ONE_OFF_DYNOS").default(DEFAULT_LIMITS.maxOneOffDynos),
  OURO_MAX_DYNOS_PER_APP: Count("OURO_MAX_DYNOS_PER_APP").default(DEFAULT_LIMITS.maxDynosPerApp),
  // The rate limit's bucket counts in integers up to requestsPerHour × 3,600,000: exact below 2^53.
  OURO_API_RATE_LIMIT: Count("OURO_API_RATE_LIMIT").max(1_000_000, "OURO_API_RATE_LIMIT must be at most 1000000").default(DEFAULT_LIMITS.requestsPerHour),
  OURO_SLUG_RETENTION: Count("OURO_SLUG_RETENTION").default(DEFAULT_LIMITS.slugReleasesKept),
});

/** The limits the environment sets; a bad value stops the API with a message naming it. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): ApiLimits {
  const set = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value);
  const parsed = LimitsEnv.safeParse({
    OURO_MAX_ONE_OFF_DYNOS: set(env.OURO_MAX_ONE_OFF_DYNOS),
    OURO_MAX_DYNOS_PER_APP: set(env.OURO_MAX_DYNOS_PER_APP),
    OURO_API_RATE_LIMIT: set(env.OURO_API_RATE_LIMIT),
    OURO_SLUG_RETENTION: set(env.OURO_SLUG_RETENTION),
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return {
    maxOneOffDynos: parsed.data.OURO_MAX_ONE_OFF_DYNOS,
    maxDynosPerApp: parsed.data.OURO_MAX_DYNOS_PER_APP,
    requestsPerHour: parsed.data.OURO_API_RATE_LIMIT,
    slugReleasesKept: parsed.data.OURO_SLUG_RETENTION,
    hostMemoryMb: hostMemoryMb(),
  };
}

/** The limits a context runs with: the ones handed in, the defaults for the rest. */
export function resolveLimits(limits: Partial<ApiLimits> = {}): ApiLimits {
  return { ...DEFAULT_LIMITS, hostMemoryMb: hostMemoryMb(), ...limits };
}

/** The size named, if this host can hold one dyno of it; a 422 that says why not otherwise. */
export function sizeForHost(name: string, limits: Pick<ApiLimits, "hostMemoryMb">): DynoSize {
  const size = dynoSize(name);
  if (size.memoryMb > limits.hostMemoryMb) {
    const fitting = DYNO_SIZES.filter((s) => s.memoryMb <= limits.hostMemoryMb).map((s) => s.name);
    throw invalidParams(
      `This host cannot run ${size.name} dynos: one needs ${size.memoryMb} MB of memory and the host has ${limits.hostMemoryMb} MB.` +
        (fitting.length > 0 ? ` Sizes that fit: ${fitting.join(", ")}.` : ""),
    );
  }
  return size;
}
