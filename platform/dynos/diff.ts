import { type Change, type DesiredDyno, type LiveDyno, slotKey } from "./model.ts";

/**
 * The delta between what should run and what runs, per dyno slot (app, type,
 * index). Pure: no I/O, no clock. A slot is satisfied by a running container of
 * the desired release and size; a running container of another release or size is replaced; an
 * exited one is removed; a running one no slot wants is stopped.
 */
export function diffFormation(desired: DesiredDyno[], live: LiveDyno[]): Change[] {
  const changes: Change[] = [];
  const claimed = new Set<string>();
  const bySlot = new Map<string, LiveDyno[]>();
  for (const dyno of live) {
    if (!dyno.running) {
      changes.push({ kind: "remove", dyno, reason: `exited with code ${dyno.exitCode ?? "unknown"}` });
      continue;
    }
    const key = slotKey(dyno);
    bySlot.set(key, [...(bySlot.get(key) ?? []), dyno]);
  }

  for (const want of desired) {
    const running = bySlot.get(slotKey(want)) ?? [];
    // A dyno's limits are fixed when it starts: a new size, like a new release, takes a new dyno.
    const current = running.filter((d) => d.release === want.release && d.size === want.size).sort((a, b) => +a.createdAt - +b.createdAt);
    const [keep, ...extra] = current;
    for (const d of running) claimed.add(d.containerId);
    const old = running.filter((d) => !current.includes(d));
    if (keep) {
      for (const d of [...extra, ...old]) changes.push({ kind: "stop", dyno: d, reason: "superseded" });
    } else if (old.length > 0) {
      changes.push({ kind: "replace", dyno: want, old });
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
