// Dyno sizes, as on Heroku: each is a memory limit, a CPU share in proportion to it and a
// process limit. The dyno manager turns a size into the container's cgroup limits.
import { invalidParams } from "./errors.ts";

export interface DynoSize {
  /** Canonical name, as the API answers it. */
  name: string;
  memoryMb: number;
  /** Docker's relative CPU weight: 1,024 per 512 MB. */
  cpuShares: number;
  /** Processes and threads together. */
  pidsLimit: number;
}

export const DYNO_SIZES: readonly DynoSize[] = [
  { name: "standard-1X", memoryMb: 512, cpuShares: 1024, pidsLimit: 256 },
  { name: "standard-2X", memoryMb: 1024, cpuShares: 2048, pidsLimit: 512 },
  { name: "performance-M", memoryMb: 2560, cpuShares: 5120, pidsLimit: 16384 },
  { name: "performance-L", memoryMb: 14336, cpuShares: 28672, pidsLimit: 32768 },
];

export const DEFAULT_DYNO_SIZE = "standard-1X";

/** The size a build dyno gets: builds install dependencies and compile. */
export const BUILD_DYNO_SIZE = "performance-M";

const ALIASES: Record<string, string> = { "1x": "standard-1X", "2x": "standard-2X", pm: "performance-M", pl: "performance-L" };

/** The size named (any case, or Heroku's short names 1X, 2X, PM, PL); a clear error otherwise. */
export function dynoSize(name: string): DynoSize {
  const wanted = (ALIASES[name.trim().toLowerCase()] ?? name.trim()).toLowerCase();
  const size = DYNO_SIZES.find((s) => s.name.toLowerCase() === wanted);
  if (!size) {
    throw invalidParams(`There is no dyno size ${JSON.stringify(name)}. Sizes: ${DYNO_SIZES.map((s) => `${s.name} (${s.memoryMb} MB)`).join(", ")}.`);
  }
  return size;
}

/** A size as Heroku's CLI prints it (`Standard-1X`); a name it does not know is shown as it is. */
export function sizeLabel(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
