// A restart of the dyno manager: the old one dropped (its tick stopped), a new one with nothing
// in memory, as a freshly started process, and one reconcileAll of it. Adopted means every
// container left in place (the same ids, and Docker's event stream says nothing was created,
// started, stopped or destroyed) and every dyno recorded `up` by the new manager.
import { recordContainerEvents } from "../../support/container-events.ts";
import { type Fleet, recordedStates, runningIds } from "./fleet.ts";

export interface Adoption {
  seconds: number;
  /** One listing of the namespace's containers (what `docker ps` asks the engine), median of five, in seconds. */
  listingSeconds: number;
  /** Container lifecycle events during the adoption, by action (none expected). */
  events: Record<string, number>;
  /** Containers running before and not after, and after and not before. */
  gone: number;
  added: number;
  recorded: Record<string, number>;
  adopted: boolean;
}

async function listingSeconds(fleet: Fleet): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await fleet.docker.listContainers({ all: true, filters: { label: [`ouro.namespace=${fleet.namespace}`] } });
    times.push((performance.now() - started) / 1000);
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** Call with the old manager stopped. */
export async function adopt(fleet: Fleet): Promise<Adoption> {
  const before = await runningIds(fleet);
  if (before.length !== fleet.total) throw new Error(`${before.length} dynos running before the restart, not ${fleet.total}`);
  // Left as the old manager wrote it, the table would say `up` whatever the new one does: only
  // the new manager can make these `up` again.
  await fleet.db.query("UPDATE dynos SET state = 'starting'");
  const recorder = await recordContainerEvents(fleet.docker, fleet.namespace);
  const fresh = fleet.manager();
  const started = performance.now();
  let seconds = Number.NaN;
  try {
    await fresh.reconcileAll();
    seconds = (performance.now() - started) / 1000;
  } finally {
    // Docker's events arrive a little after the action.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    recorder.stop();
  }
  const after = await runningIds(fleet);
  const events: Record<string, number> = {};
  for (const e of recorder.events) events[e.action] = (events[e.action] ?? 0) + 1;
  const recorded = await recordedStates(fleet);
  const gone = before.filter((id) => !after.includes(id)).length;
  const added = after.filter((id) => !before.includes(id)).length;
  const adopted = gone === 0 && added === 0 && recorder.events.length === 0 && recorded.up === fleet.total && Object.keys(recorded).length === 1;
  return { seconds, listingSeconds: await listingSeconds(fleet), events, gone, added, recorded, adopted };
}
