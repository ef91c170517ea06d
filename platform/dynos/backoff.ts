// Crashed dynos restart at once the first time, then after a growing delay, so a
// dyno that crashes on boot does not spin.
const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 5 * 60_000;

export function crashBackoff(now: () => number = Date.now) {
  const slots = new Map<string, { count: number; notBefore: number; seen: Set<string> }>();
  return {
    /** Records a crash of `containerId` in `slot`, once per container. */
    crashed(slot: string, containerId: string) {
      const entry = slots.get(slot) ?? { count: 0, notBefore: 0, seen: new Set<string>() };
      if (entry.seen.has(containerId)) return;
      entry.seen.add(containerId);
      entry.count += 1;
      entry.notBefore = entry.count <= 1 ? 0 : now() + Math.min(FIRST_DELAY_MS * 2 ** (entry.count - 2), MAX_DELAY_MS);
      slots.set(slot, entry);
    },
    mayStart(slot: string): boolean {
      return now() >= (slots.get(slot)?.notBefore ?? 0);
    },
    reset(slot: string) {
      slots.delete(slot);
    },
  };
}
