// What one app may ask of this host: how many one-off dynos at once, how many formation dynos
// in all, and dyno sizes that fit in the host's memory. Read from the environment by
// api/main.ts only; tests hand in their own values.
import { totalmem } from "node:os";
import { z } from "zod";
import { DYNO_SIZES, type DynoSize, dynoSize } from "../lib/dyno-sizes.ts";
import { invalidParams } from "../lib/errors.ts";

export interface DynoLimits {
  /** One-off dynos a user may have open per app (`ouro run`, cron): not build nor release-phase dynos. */
  maxOneOffDynos: number;
  /** The sum of an app's formation quantities. */
  maxDynosPerApp: number;
  /** A size needing more memory than this could never get it. */
  hostMemoryMb: number;
}

export const DEFAULT_LIMITS: Omit<DynoLimits, "hostMemoryMb"> = { maxOneOffDynos: 5, maxDynosPerApp: 100 };

export const hostMemoryMb = () => Math.floor(totalmem() / (1024 * 1024));

const Count = (name: string) =>
  z.coerce.number({ message: `${name} must be a whole number` }).int(`${name} must be a whole number`).min(1, `${name} must be at least 1`);

const LimitsEnv = z.object({
  OURO_MAX_ONE_OFF_DYNOS: Count("OURO_MAX_ONE_OFF_DYNOS").default(DEFAULT_LIMITS.maxOneOffDynos),
  OURO_MAX_DYNOS_PER_APP: Count("OURO_MAX_DYNOS_PER_APP").default(DEFAULT_LIMITS.maxDynosPerApp),
});

/** The limits the environment sets; a bad value stops the API with a message naming it. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): DynoLimits {
  const set = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value);
  const parsed = LimitsEnv.safeParse({
    OURO_MAX_ONE_OFF_DYNOS: set(env.OURO_MAX_ONE_OFF_DYNOS),
    OURO_MAX_DYNOS_PER_APP: set(env.OURO_MAX_DYNOS_PER_APP),
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return {
    maxOneOffDynos: parsed.data.OURO_MAX_ONE_OFF_DYNOS,
    maxDynosPerApp: parsed.data.OURO_MAX_DYNOS_PER_APP,
    hostMemoryMb: hostMemoryMb(),
  };
}

/** The limits a context runs with: the ones handed in, the defaults for the rest. */
export function resolveLimits(limits: Partial<DynoLimits> = {}): DynoLimits {
  return { ...DEFAULT_LIMITS, hostMemoryMb: hostMemoryMb(), ...limits };
}

/** The size named, if this host can hold one dyno of it; a 422 that says why not otherwise. */
export function sizeForHost(name: string, limits: Pick<DynoLimits, "hostMemoryMb">): DynoSize {
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
