// The dyno manager's view of one app, from what the database holds: the desired model (release
// and formation), the live model (the dynos the manager last recorded), their delta and the plan,
// computed by the same pure functions the manager runs. Pure.
import type { DesiredApp, DynoRow } from "../db/index.ts";
import type { AppStateResource, DeltaEntry, FormationPlanResource, PlanStepView, ReleaseState } from "../lib/plan-contract.ts";
import { desiredDynos } from "./desired.ts";
import { diffFormation } from "./diff.ts";
import { type LiveDyno, type Strategy, dynoName } from "./model.ts";
import { planChanges } from "./plan.ts";

const short = (containerId: string) => containerId.slice(0, 12);

/** A recorded formation dyno as the diff reads it; `crashed` and `down` are not running. */
function liveOf(row: DynoRow, app: string): LiveDyno {
  return {
    containerId: row.container_id,
    app,
    appId: row.app_id,
    release: row.release_version,
    type: row.type,
    index: Number(row.name.slice(row.type.length + 1)),
    command: row.command,
    size: row.size,
    generation: row.generation,
    running: row.state === "starting" || row.state === "up",
    exitCode: null,
    ip: null,
    createdAt: row.created_at,
    runId: row.run_id,
  };
}

export function formationPlan(
  app: { id: string; name: string },
  model: DesiredApp | undefined,
  formation: { type: string; quantity: number; size: string; generation: number }[],
  rows: DynoRow[],
  strategy: Strategy,
): FormationPlanResource {
  const formationRows = rows.filter((r) => r.run_id === null);
  const wanted = model ? desiredDynos(model) : [];
  const live = formationRows.map((r) => liveOf(r, app.name));
  // As the manager sees it: a slot's old dyno stays until the new one is up.
  const up = new Set(formationRows.filter((r) => r.state === "up").map((r) => r.container_id));
  const changes = diffFormation(wanted, live, { ready: (d) => up.has(d.containerId) });
  const delta: DeltaEntry[] = changes.map((c) => {
    switch (c.kind) {
      case "start":
        return { kind: "start", dyno: dynoName(c.dyno), release: c.dyno.release, reason: "in the formation, not running" };
      case "replace":
        return { kind: "replace", dyno: dynoName(c.dyno), release: c.dyno.release, reason: c.reason, replaces: c.old.map((d) => short(d.containerId)) };
      default:
        return { kind: c.kind, dyno: dynoName(c.dyno), release: c.dyno.release, reason: c.reason };
    }
  });
  const plan = planChanges(changes, strategy).map((phase) =>
    phase.map((step): PlanStepView => ({
      kind: step.kind,
      dyno: dynoName(step.dyno),
      release: step.dyno.release,
      ...("containerId" in step.dyno ? { container: short(step.dyno.containerId) } : {}),
    })),
  );
  return {
    app,
    strategy,
    desired: {
      release: model?.release ?? null,
      formation,
      dynos: wanted.map((d) => ({ name: dynoName(d), release: d.release, size: d.size, generation: d.generation })),
    },
    live: formationRows.map((r) => ({
      name: r.name,
      container: short(r.container_id),
      release: r.release_version,
      size: r.size,
      generation: r.generation,
      state: r.state,
      since: r.updated_at.toISOString(),
      steps: r.steps,
    })),
    delta,
    plan,
    converged: delta.length === 0 && formationRows.every((r) => r.state === "up"),
  };
}

/** An app's state from its plan and its releases (GET /app-states). Pure. */
export function appState(
  app: { id: string; name: string; system: boolean },
  plan: FormationPlanResource,
  current: ReleaseState | null,
  newest: ReleaseState | null,
): AppStateResource {
  const up = plan.live.filter((d) => d.state === "up" && d.release === plan.desired.release).length;
  const crashed = plan.live.filter((d) => d.state === "crashed").length;
  const underWay = !plan.converged || (newest !== null && (newest.status === "pending" || newest.status === "deploying"));
  return {
    app,
    current,
    newest,
    dynos: { up, total: plan.desired.dynos.length, crashed },
    converged: plan.converged,
    state: crashed > 0 || newest?.status === "failed" ? "failing" : underWay ? "converging" : "converged",
  };
}
