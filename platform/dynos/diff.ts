import { type Change, type DesiredDyno, type LiveDyno, slotKey } from "./model.ts";

/** Why a running dyno no longer satisfies its slot, in a few words; undefined when it does. */
function staleness(want: DesiredDyno, have: LiveDyno, restarts: ReadonlySet<string>): string | undefined {
  if (have.release !== want.release) return `v${have.release} → v${want.release}`;
  // A dyno's limits are fixed when it starts: a new size, like a new release, takes a new dyno.
  if (have.size !== want.size) return `${have.size} → ${want.size}`;
  if (have.generation !== want.generation || restarts.has(have.containerId)) return "restart";
  return undefined;
}

export interface DiffOptions {
  /** Containers a one-dyno restart asked to replace. */
  restarts?: ReadonlySet<string>;
  /**
   * Whether a running container is ready (a web dyno accepts connections on $PORT). Without it,
   * every running container counts as ready.
   */
  ready?: (dyno: LiveDyno) => boolean;
}

/**
 * The delta between what should run and what runs, per dyno slot (app, type,
 * index). Pure: no I/O, no clock. A slot is satisfied by a running container of
 * the desired release, size and restart generation (and not in `restarts`); a running container
 * that differs is replaced; an exited one is removed; a running one no slot wants is stopped.
 * A slot whose satisfying container is not ready yet keeps its other containers until it is:
 * after a restart of the manager mid-deploy, the old dyno serves while the new one boots.
 */
export function diffFormation(desired: DesiredDyno[], live: LiveDyno[], opts: DiffOptions = {}): Change[] {
  const restarts = opts.restarts ?? new Set<string>();
  const ready = opts.ready ?? (() => true);
  const changes: Change[] = [];
  const claimed = new Set<string>();
  const bySlot = new Map<string, LiveDyno[]>();
  for (const dyno of live) {
    if (!dyno.running) {
      changes.push({ kind: "remove", dyno, reason: dyno.exitCode === null ? "exited" : `exited with code ${dyno.exitCode}` });
      continue;
    }
    const key = slotKey(dyno);
    bySlot.set(key, [...(bySlot.get(key) ?? []), dyno]);
  }

  for (const want of desired) {
    const running = bySlot.get(slotKey(want)) ?? [];
    const current = running.filter((d) => staleness(want, d, restarts) === undefined).sort((a, b) => +a.createdAt - +b.createdAt);
    const [keep, ...extra] = current;
    for (const d of running) claimed.add(d.containerId);
    const old = running.filter((d) => !current.includes(d));
    if (keep) {
      if (!ready(keep)) continue;
      for (const d of [...extra, ...old]) changes.push({ kind: "stop", dyno: d, reason: "superseded" });
    } else if (old.length > 0) {
      changes.push({ kind: "replace", dyno: want, old, reason: staleness(want, old[0]!, restarts)! });
    } else {
      changes.push({ kind: "start", dyno: want });
    }
  }

  for (const dyno of live) {
    if (dyno.running && !claimed.has(dyno.containerId)) {
      changes.push({ kind: "stop", dyno, reason: "not in the formation" });
    }
  }
  return changes;
}
