import { type Change, type Plan, type Step, type Strategy, slotKey } from "./model.ts";

/**
 * Orders changes into phases, by the app's strategy (model.ts). Exited containers are cleared
 * first and dynos scaled away stop last, whatever the strategy. `preboot`: every new dyno starts
 * at once, then every replaced one stops (each only if its successor came up). `rolling`: slots
 * `batch` at a time, each batch's new dynos started, then their old ones stopped. `parallel`:
 * new dynos start and replaced ones stop in one phase. Pure.
 */
export function planChanges(changes: Change[], strategy: Strategy): Plan {
  const removes: Step[] = [];
  const starts: Step[] = [];
  const stops: Step[] = [];
  /** Per replaced or new slot: its start, and the stops of what it replaces. */
  const slots: { start: Step; retire: Step[] }[] = [];
  for (const change of changes) {
    switch (change.kind) {
      case "remove":
        removes.push({ kind: "remove", dyno: change.dyno });
        break;
      case "stop":
        stops.push({ kind: "stop", dyno: change.dyno });
        break;
      case "start":
        starts.push({ kind: "start", dyno: change.dyno });
        break;
      case "replace": {
        const retire = change.old.map((dyno): Step => ({ kind: "stop", dyno, unlessFailed: slotKey(change.dyno) }));
        slots.push({ start: { kind: "start", dyno: change.dyno }, retire });
        break;
      }
    }
  }
  let middle: Step[][];
  if (strategy.name === "parallel") {
    // The old dynos go as the new ones start: nothing waits for the new ones to be up.
    middle = [[...starts, ...slots.flatMap((s) => [s.start, ...s.retire.map((r) => ({ ...r, unlessFailed: undefined }))])]];
  } else if (strategy.name === "rolling") {
    const batch = Math.max(1, strategy.batch);
    middle = [];
    for (let i = 0; i < slots.length; i += batch) {
      const group = slots.slice(i, i + batch);
      middle.push(group.map((s) => s.start), group.flatMap((s) => s.retire));
    }
    // New slots (a scale up) start together after the replacements.
    middle.push(starts);
  } else {
    middle = [[...starts, ...slots.map((s) => s.start)], slots.flatMap((s) => s.retire)];
  }
  return [removes, ...middle, stops].filter((phase) => phase.length > 0);
}
