// How `ps:plan`, `ps:wait` and `ps:strategy` show an app's dyno plan (GET /apps/:app/formation-plan):
// the strategy, the desired and live models, the delta between them as `+ start web.2 (v5)` lines,
// the plan as numbered phases, and a one-line progress per process type for a wait.
import { sizeLabel } from "../lib/dyno-sizes.ts";
import { type DeltaEntry, type FormationPlanResource, LIFECYCLE_STEPS, type LifecycleSteps, type PlanStepView } from "../lib/plan-contract.ts";
import { elapsed, type Printer } from "./printer.ts";
import type { StrategyName } from "./types.ts";

/** Each strategy in a line, for `ps:strategy --help`; a Record so a new name cannot go undescribed. */
export const STRATEGY_HELP: Record<StrategyName, string> = {
  preboot: "the default: start the whole new set, switch traffic to each new dyno once it is up, then stop the old ones",
  rolling: "replace --batch N dynos at a time (default 1): each batch's new dynos start, and once up their old ones stop",
  parallel: "stop the old dynos as the new ones start, all at once: the fastest, but requests in between may fail",
};

export const STRATEGIES = Object.keys(STRATEGY_HELP) as StrategyName[];

/** `preboot`, `rolling, 2 at a time`: the batch only means something to rolling. */
export const describeStrategy = (name: StrategyName, batch: number) => (name === "rolling" ? `rolling, ${batch} at a time` : name);

const DELTA_MARK: Record<DeltaEntry["kind"], string> = { start: "+", replace: "~", stop: "-", remove: "x" };

/** `+ start web.2 (v5)`, `~ replace web.1 v4 → v5`, `- stop worker.2 (not in the formation)`. */
export function deltaLine(entry: DeltaEntry): string {
  // A start's reason is always the same ("in the formation, not running"): its release says more.
  // A transition (`v4 → v5`, `standard-1X → standard-2X`) reads without brackets.
  const why = entry.kind === "start" ? `(v${entry.release})` : entry.reason.includes("→") ? entry.reason : `(${entry.reason})`;
  return `${DELTA_MARK[entry.kind]} ${entry.kind} ${entry.dyno} ${why}`;
}

/**
 * The last lifecycle step a dyno began: `start 120 ms` once done, `install… 12s` while under way
 * (where a stuck dyno is stuck).
 */
export function stepText(steps: LifecycleSteps, now: Date): string {
  const step = [...LIFECYCLE_STEPS].reverse().find((name) => steps[name]);
  if (!step) return "-";
  const { at, ms } = steps[step]!;
  if (ms === undefined) return `${step}… ${elapsed(at, now)}`;
  return `${step} ${ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`}`;
}

/** `start web.2 v5`, `stop web.1 v4 (abc123def456)`. */
const planStepText = (step: PlanStepView) => `${step.kind} ${step.dyno} v${step.release}${step.container ? ` (${step.container})` : ""}`;

export function printPlan(print: Printer, plan: FormationPlanResource, now = new Date()): void {
  print.line(`Strategy: ${describeStrategy(plan.strategy.name, plan.strategy.batch)}`);
  print.line();
  print.heading(`Desired: ${plan.desired.release === null ? "no release yet" : `v${plan.desired.release}`}`);
  if (plan.desired.formation.length === 0) print.line("no process types");
  else print.table(plan.desired.formation, [{ get: (f) => f.type }, { get: (f) => `${f.quantity} × ${sizeLabel(f.size)}` }]);
  print.line();
  print.heading("Live");
  if (plan.live.length === 0) print.line("no dynos");
  else {
    print.table(plan.live, [
      { header: "dyno", get: (d) => d.name },
      { header: "release", get: (d) => `v${d.release}` },
      { header: "size", get: (d) => sizeLabel(d.size) },
      { header: "state", get: (d) => `${d.state} ${elapsed(d.since, now)}` },
      { header: "step", get: (d) => stepText(d.steps ?? {}, now) },
      { header: "container", get: (d) => d.container },
    ]);
  }
  print.line();
  if (plan.delta.length === 0) {
    const waiting = plan.live.filter((d) => d.state !== "up").map((d) => `${d.name} (${d.state})`);
    // Nothing left to start or stop, yet a dyno may still be on its way up.
    return print.line(waiting.length === 0 ? "Nothing to do: live equals desired." : `Nothing to do but wait for ${waiting.join(", ")} to be up.`);
  }
  print.heading("Delta");
  for (const entry of plan.delta) print.line(deltaLine(entry));
  print.line();
  print.heading("Plan");
  for (const [i, phase] of plan.plan.entries()) print.line(`${i + 1}. ${phase.map(planStepText).join(", ")}`);
}

/**
 * `web: 1/3 up, 2 to start; worker: 0/0 up, 1 to stop`: per process type, how many desired dynos
 * run the desired release, size and generation and are up, then what is left.
 */
export function progress(plan: FormationPlanResource): string {
  const typeOf = (name: string) => name.slice(0, name.lastIndexOf("."));
  const types = [...new Set([...plan.desired.dynos, ...plan.live, ...plan.delta.map((e) => ({ name: e.dyno }))].map((d) => typeOf(d.name)))];
  if (types.length === 0) return "no dynos";
  return types
    .map((type) => {
      const wanted = plan.desired.dynos.filter((d) => typeOf(d.name) === type);
      const states = wanted.map((want) => {
        const matching = plan.live.filter(
          (l) => l.name === want.name && l.release === want.release && l.size === want.size && l.generation === want.generation,
        );
        return matching.some((l) => l.state === "up") ? "up" : matching.some((l) => l.state === "starting") ? "starting" : undefined;
      });
      const count = (n: number, what: string) => (n > 0 ? [`${n} ${what}`] : []);
      const left = (kind: DeltaEntry["kind"]) => plan.delta.filter((e) => e.kind === kind && typeOf(e.dyno) === type).length;
      const parts = [
        `${states.filter((s) => s === "up").length}/${wanted.length} up`,
        ...count(states.filter((s) => s === "starting").length, "starting"),
        ...count(left("start"), "to start"),
        ...count(left("replace"), "to replace"),
        ...count(left("stop"), "to stop"),
        ...count(left("remove"), "to remove"),
      ];
      return `${type}: ${parts.join(", ")}`;
    })
    .join("; ");
}
