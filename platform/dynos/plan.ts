import { type Change, type Plan, type Step, type Strategy, slotKey } from "./model.ts";

/**
 * Orders changes into phases. `parallel`: clear exited containers and start every
 * new dyno at once, then stop what was replaced or scaled away. `serial`: one slot
 * at a time, its old dyno stopped right after its new one is up — slower, but at
 * most one dyno of the app is ever in flux. Pure.
 */
export function planChanges(changes: Change[], strategy: Strategy): Plan {
  const removes: Step[] = [];
  const starts: Step[] = [];
  const stops: Step[] = [];
  const serial: Plan = [];
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
        serial.push([{ kind: "start", dyno: change.dyno }]);
        break;
      case "replace": {
        const start: Step = { kind: "start", dyno: change.dyno };
        const retire = change.old.map((dyno): Step => ({ kind: "stop", dyno, unlessFailed: slotKey(change.dyno) }));
        starts.push(start);
        stops.push(...retire);
        serial.push([start], retire);
        break;
      }
    }
  }
  const phases =
    strategy === "parallel"
      ? [removes, starts, stops]
      : [removes, ...serial, stops.filter((s) => s.kind === "stop" && !s.unlessFailed)];
  return phases.filter((phase) => phase.length > 0);
}
