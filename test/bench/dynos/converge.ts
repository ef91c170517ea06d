// From zero to N dynos: the bench's dyno manager converging on its formations, against the
// same number of bare containers of the stack image made and started with dockerode at once
// (what `docker run -d` does, with no app network, slug, volume, limit or boot wait).
import type Docker from "dockerode";
import type { DynoManager } from "../../../platform/dynos/index.ts";
import { type Fleet, recordedStates, runningIds } from "./fleet.ts";

/** Seconds from nothing to `count` bare containers started, all asked for at once; they are removed after. */
export async function bareStart(docker: Docker, image: string, count: number, label: string): Promise<number> {
  const labels = { "ouro.bench": label };
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const container = await docker.createContainer({ Image: image, Cmd: ["sleep", "infinity"], Labels: labels });
        await container.start();
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await removeBare(docker, label);
  }
}

/**
 * One at a time: a hundred containers of one network removed at once can deadlock Docker 20.10's
 * network controller (moby/moby#42545: it then answers no create, remove or inspect until restarted).
 */
export async function removeBare(docker: Docker, label: string): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { label: [`ouro.bench=${label}`] } });
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
}

/** Converged: every wanted dyno runs and the `dynos` table records each one up. */
async function converged(fleet: Fleet): Promise<boolean> {
  const [running, states] = await Promise.all([runningIds(fleet), recordedStates(fleet)]);
  return running.length === fleet.total && states.up === fleet.total && Object.keys(states).length === 1;
}

/**
 * Seconds from an empty namespace until the manager's reconciles have converged; reconcileAll
 * again (as the steady tick would) while not yet, up to `timeoutMs`.
 */
export async function converge(fleet: Fleet, manager: DynoManager, timeoutMs = 180_000): Promise<{ seconds: number; rounds: number }> {
  const started = performance.now();
  for (let rounds = 1; ; rounds++) {
    await manager.reconcileAll();
    if (await converged(fleet)) return { seconds: (performance.now() - started) / 1000, rounds };
    if (performance.now() - started > timeoutMs) {
      const states = JSON.stringify(await recordedStates(fleet));
      throw new Error(`not converged after ${rounds} reconciles in ${timeoutMs / 1000} s: ${(await runningIds(fleet)).length} running, recorded ${states}`);
    }
  }
}
