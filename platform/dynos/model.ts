// The dyno manager's two models and the language between them (glu style):
// the desired model comes from releases and formations, the live model from the
// Docker engine; a Change is one difference, a Step one action of a plan.
import type { StrategyName } from "../lib/plan-contract.ts";

/** One dyno the desired model asks for. */
export interface DesiredDyno {
  app: string;
  appId: string;
  release: number;
  type: string;
  index: number;
  command: string;
  env: Record<string, string>;
  slugChecksum: string;
  /** A dyno size's name (platform/lib/dyno-sizes.ts): its memory, CPU and process limits. */
  size: string;
  /** Its process type's restart generation: `ps:restart` bumps it, and older dynos are replaced. */
  generation: number;
  /** Set for a one-off dyno (`run.N`, `scheduler.N`, `release.N`): started once, never restarted. */
  runId?: string;
  /**
   * Set for a build dyno: it runs on the build network, with only its run's env (the build's
   * credential), never the builder's config vars. `standby` (runs.ts STANDBY_BUILD) for one
   * started before its build, which it is told of later.
   */
  buildId?: string;
  /** A build dyno's: the app whose build cache on this host it gets at /cache (dyno-fs.ts). */
  buildCacheOf?: string;
}

/** One container the engine reports, read back from its labels. */
export interface LiveDyno {
  containerId: string;
  app: string;
  appId: string;
  release: number;
  type: string;
  index: number;
  command: string;
  /** The size it was started with (its limits cannot change while it runs). */
  size: string;
  /** The restart generation it was started for (0 for a container from before generations). */
  generation: number;
  running: boolean;
  exitCode: number | null;
  ip: string | null;
  createdAt: Date;
  runId: string | null;
}

export const dynoName = (d: { type: string; index: number }) => `${d.type}.${d.index}`;
export const slotKey = (d: { app: string; type: string; index: number }) => `${d.app}/${d.type}.${d.index}`;

export type Change =
  | { kind: "start"; dyno: DesiredDyno }
  /**
   * A new dyno takes over a slot (a new release, size or restart generation, said in `reason`);
   * the old ones stop only once it is up, unless the strategy is `parallel`.
   */
  | { kind: "replace"; dyno: DesiredDyno; old: LiveDyno[]; reason: string }
  | { kind: "stop"; dyno: LiveDyno; reason: string }
  /** An exited container, cleared away so its slot can start again. */
  | { kind: "remove"; dyno: LiveDyno; reason: string };

export type Step =
  | { kind: "start"; dyno: DesiredDyno }
  /** `unlessFailed`: skip the stop when the dyno replacing it failed to come up. */
  | { kind: "stop"; dyno: LiveDyno; unlessFailed?: string }
  | { kind: "remove"; dyno: LiveDyno };

/** Phases run one after another; the steps inside a phase run together. */
export type Plan = Step[][];

/**
 * How an app's dynos are replaced. `preboot`: every new dyno starts, and only once each is up
 * do the old ones stop (no request finds no dyno; twice the dynos for a moment). `rolling`:
 * `batch` slots at a time, each slot's old dyno stopped once its new one is up. `parallel`: old
 * dynos stop as new ones start, all at once (fastest; requests in between may fail).
 */
export const STRATEGIES = ["preboot", "rolling", "parallel"] as const satisfies readonly StrategyName[];
export type { StrategyName };
export interface Strategy {
  name: StrategyName;
  /** Slots replaced at a time by `rolling`. */
  batch: number;
}
export const DEFAULT_STRATEGY: Strategy = { name: "preboot", batch: 1 };
