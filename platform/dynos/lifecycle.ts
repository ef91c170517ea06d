// Where each dyno is in its six-step life (plan-contract.ts: install, configure, start; stop,
// unconfigure, uninstall), with when each step began and how long it took, so a slow or stuck
// dyno shows where. Kept per container while it exists; the dynos table keeps a copy, so a
// restarted manager still shows the steps taken before it.
import type { LifecycleStep, LifecycleSteps } from "../lib/plan-contract.ts";

/** Whose steps: the app and the dyno's name, as the logs say them. */
export interface DynoLabel {
  app: string;
  dyno: string;
}

/** What the engine calls around each step of one dyno. */
export interface StepRecorder {
  /** The dyno's container exists now: its steps so far (and to come) belong to it. */
  created(containerId: string): void;
  step<T>(step: LifecycleStep, work: () => Promise<T>): Promise<T>;
}

export interface Lifecycles {
  /** A recorder for a dyno about to be made. */
  recorder(dyno: DynoLabel): StepRecorder;
  /** A recorder for a container that exists (to stop and remove it). */
  of(containerId: string): StepRecorder;
  /** Names a container this manager did not make (one it adopted), for what `done` hears. */
  adopt(containerId: string, dyno: DynoLabel): void;
  steps(containerId: string): LifecycleSteps;
  /** Forgets containers that no longer exist. */
  keep(existing: ReadonlySet<string>): void;
}

/** `done` hears of each step once it ends (the manager logs it, and a slow one in the app's log). */
export function lifecycles(done: (dyno: DynoLabel, step: LifecycleStep, ms: number) => void): Lifecycles {
  const byContainer = new Map<string, { dyno: DynoLabel; steps: LifecycleSteps }>();

  function recorder(dyno: DynoLabel, steps: LifecycleSteps): StepRecorder {
    return {
      created(containerId) {
        byContainer.set(containerId, { dyno, steps });
      },
      async step(step, work) {
        const began = Date.now();
        steps[step] = { at: new Date(began).toISOString() };
        const result = await work();
        const ms = Date.now() - began;
        steps[step] = { at: steps[step]!.at, ms };
        done(dyno, step, ms);
        return result;
      },
    };
  }

  return {
    recorder: (dyno) => recorder(dyno, {}),
    of(containerId) {
      const known = byContainer.get(containerId) ?? { dyno: { app: "", dyno: containerId.slice(0, 12) }, steps: {} };
      byContainer.set(containerId, known);
      return recorder(known.dyno, known.steps);
    },
    adopt(containerId, dyno) {
      if (!byContainer.has(containerId)) byContainer.set(containerId, { dyno, steps: {} });
    },
    steps: (containerId) => ({ ...byContainer.get(containerId)?.steps }),
    keep(existing) {
      for (const id of byContainer.keys()) if (!existing.has(id)) byContainer.delete(id);
    },
  };
}

/** A recorder that records nothing, for a dyno whose steps nobody reads. */
export const untracked: StepRecorder = { created() {}, step: (_step, work) => work() };
