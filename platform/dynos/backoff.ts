// Crashed dynos restart at once the first time, then after a growing delay, so a
// dyno that crashes on boot does not spin. The count starts again for a new release
// (a deploy that fixes the crash must not wait out the old one's delay), after a
// restart, and when the crashed container had run long enough to count as healthy.

export interface BackoffOptions {
  now?: () => number;
  /** The delay after the second crash; it doubles with every crash after that. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A container that ran this long before it crashed counts as a first crash. */
  healthyAfterMs?: number;
}

export interface Crash {
  containerId: string;
  release: number;
  /** When the crashed container started (ms since the epoch); its run time is taken as of its first report. */
  startedAt: number;
}

interface Slot {
  release: number;
  count: number;
  notBefore: number;
  seen: Set<string>;
}

export function crashBackoff(opts: BackoffOptions = {}) {
  const now = opts.now ?? Date.now;
  const firstDelayMs = opts.firstDelayMs ?? 5_000;
  const maxDelayMs = opts.maxDelayMs ?? 5 * 60_000;
  const healthyAfterMs = opts.healthyAfterMs ?? 10 * 60_000;
  const slots = new Map<string, Slot>();
  return {
    /** Records a crash in `slot`, once per container. */
    crashed(slot: string, crash: Crash) {
      const known = slots.get(slot);
      if (known?.seen.has(crash.containerId)) return;
      const fresh = !known || known.release !== crash.release || now() - crash.startedAt >= healthyAfterMs;
      const entry = fresh ? { release: crash.release, count: 0, notBefore: 0, seen: new Set<string>() } : known;
      entry.seen.add(crash.containerId);
      entry.count += 1;
      entry.notBefore = entry.count <= 1 ? 0 : now() + Math.min(firstDelayMs * 2 ** (entry.count - 2), maxDelayMs);
      slots.set(slot, entry);
    },
    /** Whether `slot` may start a dyno of `release` now. */
    mayStart(slot: string, release: number): boolean {
      const entry = slots.get(slot);
      return !entry || entry.release !== release || now() >= entry.notBefore;
    },
    reset(slot: string) {
      slots.delete(slot);
    },
  };
}

export type CrashBackoff = ReturnType<typeof crashBackoff>;
