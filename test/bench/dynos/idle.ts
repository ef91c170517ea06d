// The dyno manager at rest: its steady tick running as platform/dynos/main.ts runs it
// (reconcileAll every TICK_MS, Docker's event stream watched), and the CPU this process
// uses while nothing changes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DynoManager } from "../../../platform/dynos/index.ts";
import { watchDyingDynos } from "../../../platform/dynos/engine-events.ts";
import { background, repeating } from "../../../platform/lib/background.ts";
import { repoRoot } from "../../../platform/lib/config.ts";
import type { Fleet } from "./fleet.ts";

/**
 * The tick of the platform's dyno manager, read from its entry: main.ts starts a manager when
 * imported, so its constant cannot be imported, and a copy here would drift from it.
 */
export function platformTickMs(): number {
  const source = readFileSync(join(repoRoot, "platform", "dynos", "main.ts"), "utf8");
  const match = /const TICK_MS = ([\d_]+);/.exec(source);
  if (!match) throw new Error("platform/dynos/main.ts no longer has `const TICK_MS = <ms>;`: pass --tick-ms");
  return Number(match[1]!.replace(/_/g, ""));
}

export interface Tick {
  /** How long each reconcileAll of the tick took, in ms. */
  durations: number[];
  /** Stops the tick and the event stream, and waits for a reconcile under way to end. */
  stop(): Promise<void>;
}

/** Runs the manager as main.ts does once started: the steady tick and a reconcile on each dyno's death. */
export async function runTick(fleet: Fleet, manager: DynoManager, tickMs: number): Promise<Tick> {
  const log = (line: string) => fleet.log.push(line);
  const durations: number[] = [];
  let current: Promise<unknown> = Promise.resolve();
  const events = new AbortController();
  await watchDyingDynos({
    docker: fleet.docker,
    namespace: fleet.namespace,
    log,
    signal: events.signal,
    onDeath: (app) => background(log, `reconciling ${app}`, () => manager.reconcileApp(app)),
  });
  const tick = repeating(log, "the periodic reconcile", tickMs, () => {
    const started = performance.now();
    current = manager.reconcileAll().finally(() => durations.push(performance.now() - started));
    return current;
  });
  return {
    durations,
    async stop() {
      tick.stop();
      events.abort();
      await current.catch(() => {});
    },
  };
}

/** CPU time of a process from /proc, in ms (Linux: utime + stime, in clock ticks). */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

function dockerdPid(): number | undefined {
  try {
    return Number(execFileSync("pidof", ["dockerd"], { encoding: "utf8" }).trim().split(" ")[0]) || undefined;
  } catch {
    return undefined;
  }
}

export interface IdleCpu {
  /** This process's CPU over the window, in % of one core. */
  percent: number;
  seconds: number;
  /** dockerd's over the same window (every namespace's managers included), when it can be read. */
  dockerdPercent?: number;
  /** The tick's reconciles that began in the window, and how long they took. */
  ticks: number[];
}

/** Measures over `seconds` of a tick running on a converged fleet, nothing else happening. */
export async function idleCpu(tick: Tick, seconds: number): Promise<IdleCpu> {
  const dockerd = dockerdPid();
  const [cpu, dockerdBefore, before, ticksBefore] = [process.cpuUsage(), dockerd && procCpuMs(dockerd), performance.now(), tick.durations.length];
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(cpu);
  const elapsed = performance.now() - before;
  const dockerdMs = dockerd && dockerdBefore !== undefined ? procCpuMs(dockerd) - dockerdBefore : undefined;
  return {
    percent: ((used.user + used.system) / 1000 / elapsed) * 100,
    seconds: elapsed / 1000,
    dockerdPercent: dockerdMs === undefined ? undefined : (dockerdMs / elapsed) * 100,
    ticks: tick.durations.slice(ticksBefore),
  };
}
