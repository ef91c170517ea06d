// An app's dyno plan as the API answers it (GET /apps/:app/formation-plan) and `ouro ps:plan`
// and `ps:wait` read it: the desired model, the live model, the delta between them and the plan
// the dyno manager would carry out. Times are ISO 8601 strings.

export interface PlanDyno {
  /** `web.1` */
  name: string;
  release: number;
  size: string;
  generation: number;
}

/**
 * The six steps of a dyno's life, as the model-based deployer names them: install (its release's
 * files in place), configure (its container made: environment, limits, network), start (its
 * process started); stop (SIGTERM, then SIGKILL after 30 s), unconfigure (its container deleted),
 * uninstall (its file system, /app and /tmp, deleted).
 */
export const LIFECYCLE_STEPS = ["install", "configure", "start", "stop", "unconfigure", "uninstall"] as const;
export type LifecycleStep = (typeof LIFECYCLE_STEPS)[number];

/**
 * Each step a dyno has begun: when (ISO 8601), and how long it took once it is done. A step begun
 * with no `ms` is where the dyno is now, or where it is stuck.
 */
export type LifecycleSteps = Partial<Record<LifecycleStep, { at: string; ms?: number }>>;

export interface LiveDynoView extends PlanDyno {
  /** The container's id, short. */
  container: string;
  state: "starting" | "up" | "crashed" | "down";
  /** When it entered that state. */
  since: string;
  steps: LifecycleSteps;
}

export interface DeltaEntry {
  kind: "start" | "replace" | "stop" | "remove";
  dyno: string;
  /** The release the slot moves to (start, replace) or the dyno runs (stop, remove). */
  release: number;
  /** Why: `v4 → v5`, `standard-1X → standard-2X`, `restart`, `not in the formation`, `exited with code 1`. */
  reason: string;
  /** For a replace: the containers it replaces. */
  replaces?: string[];
}

export interface PlanStepView {
  kind: "start" | "stop" | "remove";
  dyno: string;
  release: number;
  container?: string;
}

export type StrategyName = "preboot" | "rolling" | "parallel";

/** GET and PUT /apps/:app/strategy (PUT without `batch` sets 1). */
export interface StrategySetting {
  strategy: StrategyName;
  batch: number;
}

export interface FormationPlanResource {
  app: { id: string; name: string };
  strategy: { name: StrategyName; batch: number };
  desired: {
    /** The current release; null before the first deploy. */
    release: number | null;
    formation: { type: string; quantity: number; size: string; generation: number }[];
    dynos: PlanDyno[];
  };
  /** The formation's dynos as the dyno manager last recorded them (one-off dynos are apart). */
  live: LiveDynoView[];
  delta: DeltaEntry[];
  /** Phases one after another; the steps of a phase run together. */
  plan: PlanStepView[][];
  /** Nothing to do, and every live dyno is up. */
  converged: boolean;
}

/** A release as an app's state names it. */
export interface ReleaseState {
  version: number;
  /** pending (release phase), deploying, succeeded or failed. */
  status: string;
  failure_message: string | null;
}

/**
 * GET /app-states: each app the caller may see (system apps with `?all=true`, for an admin), as
 * a dashboard lists them, in one call.
 */
export interface AppStateResource {
  app: { id: string; name: string; system: boolean };
  /** The release serving; null before the first deploy. */
  current: ReleaseState | null;
  /** The newest release: the current one, or one deploying or failed after it. */
  newest: ReleaseState | null;
  /** `up` of the current release's formation dynos out of `total` wanted; `crashed` of any release. */
  dynos: { up: number; total: number; crashed: number };
  converged: boolean;
  /**
   * converged: live equals desired. converging: a plan or a release is under way. failing: a
   * dyno crashed, or the newest release failed.
   */
  state: "converged" | "converging" | "failing";
}

/** GET /apps/:app/state: the app's state with the plan it was read from, in one call. */
export interface AppStateDetail extends AppStateResource {
  plan: FormationPlanResource;
}

/** GET /platform/status (an admin's): the host, the dynos in each state, the builder's queue. */
export interface PlatformStatusResource {
  hosts: {
    name: string;
    cpus: number;
    /** The 1, 5 and 15 minute load averages. */
    load: number[];
    memory: { total: number; available: number };
    /** The file system of the data dir (slugs, builds' caches, dynos' files). */
    disk: { total: number; available: number };
  }[];
  dynos: Record<string, number>;
  builds: { pending: QueuedBuildView[]; failed: QueuedBuildView[] };
}

export interface QueuedBuildView {
  id: string;
  app: string;
  status: "pending" | "succeeded" | "failed";
  /** For a pending build: whether its build dyno runs yet. */
  running: boolean;
  failure_message: string | null;
  created_at: string;
  updated_at: string;
}
