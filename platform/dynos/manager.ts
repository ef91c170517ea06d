// The dyno manager: for each app, read the desired model (current release and
// formation) and the live model (containers), diff them, plan, and apply the plan.
// Reconciles run per app, one at a time for a given app, on every change event,
// every container exit, and on a steady tick.
import type Docker from "dockerode";
import type { Redis } from "ioredis";
import {
  type Db,
  type DesiredApp,
  type DynoRecord,
  appsWithOpenRuns,
  endRelease,
  existingAppIds,
  listOpenRuns,
  loadDesiredApps,
  markRun,
  recordDynos,
  retainedSlugChecksums,
  sessionLocks,
  slugLayersOf,
} from "../db/index.ts";
import { type Log, background } from "../lib/background.ts";
import { appendLog } from "../logs/index.ts";
import { diffFormation } from "./diff.ts";
import { type BuildNetwork, DYNO_PORT, acceptsConnections, createEngine } from "./engine.ts";
import { createLogFollower } from "./dyno-logs.ts";
import { DEFAULT_STRATEGY, type DesiredDyno, type LiveDyno, type Step, type Strategy, dynoName, slotKey } from "./model.ts";
import { desiredDynos } from "./desired.ts";
import { planChanges } from "./plan.ts";
import { publishRoutes } from "./routes.ts";
import { type BackoffOptions, crashBackoff } from "./backoff.ts";
import { diffRuns, nextRunDeadline } from "./runs.ts";
import { createSessions } from "./sessions.ts";
import { createRunClock } from "./run-clock.ts";
import type { AppNetworks } from "./app-networks.ts";
import { lifecycles } from "./lifecycle.ts";
import type { DynoFs } from "./dyno-fs.ts";

export interface DynoManagerOptions {
  docker: Docker;
  db: Db;
  redis: Redis;
  stackImage: string;
  slugPath: (checksum: string) => string;
  /** Each slug unpacked once on this host, and each dyno's writable layer (dyno-fs.ts). */
  dynoFs: DynoFs;
  namespace: string;
  /** The network build dynos run on; without one, build dynos cannot start. */
  buildNetwork?: BuildNetwork;
  /** Each app's own network and firewall rules; without them, no dyno can start. */
  appNetworks?: AppNetworks;
  /** Overrides each app's own strategy (tests). */
  strategy?: Strategy;
  bootTimeoutMs?: number;
  /** Delays between restarts of a crashing dyno (tests shorten them). */
  backoff?: BackoffOptions;
  log?: Log;
}

/** A lifecycle step slower than this is said in the app's log. */
const SLOW_STEP_MS = 5_000;
/** How often unpacked slugs nobody needs are looked for. */
const COLLECT_EVERY_MS = 60_000;
/**
 * Each app's newest releases whose slugs stay unpacked on the host, so a rollback to one starts
 * as fast as a scale does (an older one is unpacked again first).
 */
export const UNPACKED_RELEASES = 3;

export function createDynoManager(opts: DynoManagerOptions) {
  const { db, redis } = opts;
  const log = opts.log ?? ((line: string) => console.log(line));
  const bootTimeoutMs = opts.bootTimeoutMs ?? 60_000;
  // Each step in the manager's log; one slower than SLOW_STEP_MS in the app's too, with its dyno.
  const lifecycle = lifecycles((who, step, ms) => {
    log(`${who.app}: ${who.dyno} ${step} ${ms} ms`);
    if (ms > SLOW_STEP_MS && who.app) background(log, `noting a slow ${step}`, () => say(who.app, who.dyno, `Slow ${step}: ${(ms / 1000).toFixed(1)} s`));
  });
  // A slug's layers never change (its checksum is that of its layers joined): read once each.
  const layersOf = new Map<string, string[]>();
  const slugLayers = async (appId: string, checksum: string) => {
    const key = `${appId}/${checksum}`;
    const known = layersOf.get(key);
    if (known) return known;
    const layers = await slugLayersOf(db, appId, checksum);
    if (!layers) return [checksum];
    if (layersOf.size >= 1000) layersOf.delete(layersOf.keys().next().value!);
    layersOf.set(key, layers);
    return layers;
  };
  const engine = createEngine({ ...opts, slugLayers, lifecycles: lifecycle });
  const logs = createLogFollower({ docker: opts.docker, redis, engine, log });
  const up = new Set<string>();
  /** The state each formation dyno was last recorded in, to log its changes. */
  const states = new Map<string, string>();
  const backoff = crashBackoff(opts.backoff);
  const inFlight = new Map<string, { dirty: boolean; work: () => Promise<void>; done: Promise<void> }>();
  /** The restart generation each slot was last wanted at. */
  const generations = new Map<string, number>();
  /** Per app, the containers a one-dyno restart asked to replace (the next reconcile takes them). */
  const restartRequests = new Map<string, Set<string>>();
  /** Attached one-off dynos' client connections, and what stops one-off dynos from outside. */
  const sessions = createSessions({ engine, log, settle: reconcileRunsOf });
  const runClock = createRunClock({ engine, log, say, settle: reconcileRunsOf });
  const locks = sessionLocks(db, log);

  async function desired(app: string): Promise<{ appId?: string; dynos: DesiredDyno[]; strategy: Strategy; model?: DesiredApp }> {
    const [model] = await loadDesiredApps(db, app);
    if (!model) return { dynos: [], strategy: DEFAULT_STRATEGY };
    return { appId: model.appId, dynos: desiredDynos(model), strategy: model.strategy, model };
  }

  // Only the formation's web dynos get traffic: a one-off dyno of type `web` never does.
  async function syncRoutes(app: string, live: LiveDyno[]) {
    const backends = live
      .filter((d) => d.type === "web" && !d.runId && d.running && d.ip && up.has(d.containerId))
      .map((d) => ({ address: `${d.ip}:${DYNO_PORT}`, dyno: dynoName(d) }));
    await publishRoutes(redis, app, backends);
  }

  /**
   * Marks up each running dyno that is ready: any non-web dyno, and a web dyno that accepts
   * connections. After a restart of the manager this is how it adopts what it finds.
   */
  async function probe(live: LiveDyno[]) {
    for (const d of live) {
      if (!d.running || up.has(d.containerId)) continue;
      if (d.type !== "web" || (d.ip && (await acceptsConnections(d.ip, DYNO_PORT, 200)))) up.add(d.containerId);
    }
  }

  /**
   * Mirrors the live model into the `dynos` table (what `ps` shows) and the route table. The
   * formation and the one-off dynos of an app are reconciled at once, and each records what it
   * did: one record at a time per app, so the last one written is of the last look at Docker.
   */
  function record(app: string, appId?: string): Promise<void> {
    return serialized(`record:${app}`, () => recordNow(app, appId));
  }

  async function recordNow(app: string, appId?: string) {
    const live = await engine.listLive(app);
    await probe(live);
    for (const d of live) {
      if (d.running) logs.follow(d.containerId, app, dynoName(d), Math.floor(Date.now() / 1000));
      lifecycle.adopt(d.containerId, { app, dyno: dynoName(d) });
    }
    const rows: DynoRecord[] = live.map((d) => ({
      app_id: d.appId,
      name: dynoName(d),
      type: d.type,
      release_version: d.release,
      container_id: d.containerId,
      command: d.command,
      state: !d.running ? "crashed" : up.has(d.containerId) ? "up" : "starting",
      port: null,
      created_at: d.createdAt,
      size: d.size,
      generation: d.generation,
      run_id: d.runId,
      steps: lifecycle.steps(d.containerId),
    }));
    const id = appId ?? live[0]?.appId;
    if (id) await recordDynos(db, id, rows);
    await syncRoutes(app, live);
    for (const [i, d] of live.entries()) await noteState(app, d, rows[i]!.state);
  }

  /**
   * Heroku's lifecycle lines in the app's log for the formation's dynos: `State changed from
   * starting to up`, and a crash's exit status before `State changed from up to crashed`. Only
   * changes this manager saw: after its own restart it says nothing of what it adopted.
   */
  async function noteState(app: string, d: LiveDyno, state: string) {
    if (d.runId) return;
    const before = states.get(d.containerId);
    states.set(d.containerId, state);
    if (before === undefined || before === state) return;
    const dyno = dynoName(d);
    if (state === "crashed") await say(app, dyno, `Process exited with status ${d.exitCode ?? "unknown"}`);
    await say(app, dyno, `State changed from ${before} to ${state}`);
  }

  /** The app's own boot timeout (config var OURO_BOOT_TIMEOUT, seconds, 1 to 600), else the manager's. */
  function bootTimeout(env: Record<string, string>): number {
    const seconds = Number(env.OURO_BOOT_TIMEOUT);
    return Number.isInteger(seconds) && seconds >= 1 && seconds <= 600 ? seconds * 1000 : bootTimeoutMs;
  }

  /** Starts a dyno; a web dyno must accept connections on $PORT in time. Why it did not, otherwise. */
  async function startDyno(dyno: DesiredDyno): Promise<true | string> {
    const id = await engine.start(dyno);
    try {
      return await bootDyno(dyno, id);
    } catch (error) {
      // Halted, never left running unwatched: a dyno nobody saw come up must not count as its slot's.
      await engine.halt(id);
      throw error;
    }
  }

  /** A lifecycle line in the app's log, best effort: a Redis blip must not fail a start or a reconcile. */
  async function say(app: string, dyno: string, line: string) {
    await appendLog(redis, app, { source: "ouro", dyno, line }).catch((error: Error) => log(`${app}: could not log "${line}": ${error.message}`));
  }

  async function bootDyno(dyno: DesiredDyno, id: string): Promise<true | string> {
    logs.follow(id, dyno.app, dynoName(dyno), 0);
    states.set(id, "starting");
    await say(dyno.app, dynoName(dyno), `Starting process with command \`${dyno.command}\``);
    if (dyno.type !== "web") {
      up.add(id);
      return true;
    }
    const timeoutMs = bootTimeout(dyno.env);
    const deadline = Date.now() + timeoutMs;
    const ip = await engine.inspectIp(id);
    // A connection refused costs next to nothing, so $PORT is tried often; Docker is asked
    // whether the dyno still runs only twice a second.
    let running = 0;
    while (Date.now() < deadline) {
      if (Date.now() - running >= 500) {
        if (!(await engine.isRunning(id))) break;
        running = Date.now();
      }
      if (ip && (await acceptsConnections(ip, DYNO_PORT))) {
        up.add(id);
        await record(dyno.app, dyno.appId);
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return bootTimedOut(dyno, id, timeoutMs);
  }

  /** R10: the web dyno did not come up in time; it is halted, kept exited (`ps` shows it crashed, the backoff counts it). */
  async function bootTimedOut(dyno: { app: string; type: string; index: number }, id: string, timeoutMs: number): Promise<string> {
    const why = (await engine.isRunning(id))
      ? `did not bind to $PORT (${DYNO_PORT}) within ${timeoutMs / 1000} s, stopping it`
      : "exited before it bound to $PORT";
    await appendLog(redis, dyno.app, { source: "ouro", dyno: dynoName(dyno), line: `Error R10 (Boot timeout): ${why}` });
    await engine.halt(id);
    return `${dynoName(dyno)} ${why} (R10)`;
  }

  /**
   * Web dynos that run but are not up, and that no boot of this manager watches: those a restarted
   * manager found. Each is given what is left of its boot timeout, counted from its creation; past
   * it, R10 as for any boot. Failures of the wanted release's dynos are put in `failed`.
   */
  async function adoptBooting(live: LiveDyno[], wanted: Map<string, DesiredDyno>, failed: Failures) {
    for (const d of live) {
      const want = wanted.get(slotKey(d));
      if (!d.running || d.type !== "web" || up.has(d.containerId)) continue;
      const timeoutMs = bootTimeout(want?.env ?? {});
      if (Date.now() < d.createdAt.getTime() + timeoutMs) continue;
      const why = await bootTimedOut(d, d.containerId, timeoutMs);
      if (want?.release === d.release) failed.set(slotKey(d), why);
    }
  }

  /** How a deploying release ended, once it has. */
  type Settled = "succeeded" | "failed";

  /** Slot keys whose new dyno did not come up, with why. */
  type Failures = Map<string, string>;

  async function runStep(step: Step, failed: Failures) {
    if (step.kind === "start") {
      const started = await startDyno(step.dyno);
      if (started !== true) failed.set(slotKey(step.dyno), started);
    } else if (step.kind === "stop") {
      // A replaced dyno stops only if no new dyno of this plan failed to come up: with one failure
      // the release (or restart) is in doubt, and what served before keeps serving.
      if (step.unlessFailed && failed.size > 0) return;
      up.delete(step.dyno.containerId);
      await syncRoutes(step.dyno.app, (await engine.listLive(step.dyno.app)).filter((d) => d.containerId !== step.dyno.containerId));
      await engine.stop(step.dyno.containerId);
    } else {
      await engine.remove(step.dyno.containerId);
    }
  }

  /**
   * One-off dynos start at once (an attached one once its client is there) and are never restarted;
   * their exit code is recorded. One past its time limit, or whose client left, is stopped.
   */
  async function reconcileRuns(app: string, oneOffs: LiveDyno[]) {
    const [runs, now] = [await listOpenRuns(db, app), new Date()];
    const actions = diffRuns({ app, runs, live: oneOffs, now, attached: sessions.connected() });
    runClock.wakeAt(app, nextRunDeadline(runs, now));
    await Promise.all(
      actions.map(async (action) => {
        if (action.kind === "start") {
          log(`${app}: run ${dynoName(action.dyno)} (v${action.dyno.release}): ${action.dyno.command}`);
          if (action.terminal && !sessions.connected().has(action.dyno.runId!)) return;
          if (!(await markRun(db, action.dyno.runId!, { state: "running", expiresAt: action.expiresAt }))) return;
          if (action.terminal) return void (await sessions.start(action.dyno, action.terminal));
          const id = await engine.start(action.dyno);
          logs.follow(id, app, dynoName(action.dyno), 0);
        } else if (action.kind === "finish") {
          await markRun(db, action.runId, { state: "complete", exitCode: action.exitCode });
          if (!action.dyno) return;
          const name = dynoName(action.dyno);
          await appendLog(redis, app, { source: "ouro", dyno: name, line: `Process exited with status ${action.exitCode ?? "unknown"}` });
          // Let the log follower drain the last lines before the container goes.
          await new Promise((resolve) => setTimeout(resolve, 500));
          await engine.remove(action.dyno.containerId);
        } else if (action.kind === "abandon") {
          if (await markRun(db, action.runId, { state: "complete", exitCode: null })) {
            await say(app, action.dyno, "No client attached within a minute: the dyno never started");
          }
        } else if (action.kind === "stop" && action.reason) {
          await runClock.stop(app, action.dyno, action.reason);
        } else if (action.kind === "stop") {
          await engine.stop(action.dyno.containerId);
        } else {
          await engine.remove(action.dyno.containerId);
        }
      }),
    );
    // `ps` shows a one-off dyno from its start and drops it once it is gone, not at the next tick.
    if (actions.length > 0) await record(app, runs[0]?.app_id ?? oneOffs[0]?.appId);
  }

  function reconcileRunsOf(app: string): Promise<void> {
    return serialized(`runs:${app}`, async () => reconcileRuns(app, (await engine.listLive(app)).filter((d) => d.runId)));
  }

  async function reconcileFormation(app: string) {
    const { appId, dynos: wantedDynos, strategy, model } = await desired(app);
    const failed: Failures = new Map();
    const formationOf = async () => (await engine.listLive(app)).filter((d) => !d.runId);
    let live = await formationOf();
    await probe(live);
    if (live.some((d) => d.running && !up.has(d.containerId))) {
      await adoptBooting(live, new Map(wantedDynos.map((d) => [slotKey(d), d])), failed);
      // A deploying release whose adopted web dyno timed out has failed: settle it before any new
      // dyno of it is started, and go round again with the previous release as the target.
      if (failed.size > 0 && model?.releaseStatus === "deploying") return void (await settleDeploy(model, wantedDynos, failed));
      live = await formationOf();
    }
    // A dyno that died since the last look is said to have crashed before it is cleared away.
    for (const d of live) if (!d.running) await noteState(app, d, "crashed");
    // The release each wanted slot should run; a crash counts against that release only.
    const wanted = new Map(wantedDynos.map((d) => [slotKey(d), d.release]));
    // A restart (a new generation) starts the crash count again, as a new release does.
    for (const d of wantedDynos) {
      const key = slotKey(d);
      if (generations.has(key) && generations.get(key) !== d.generation) backoff.reset(key);
      generations.set(key, d.generation);
    }
    for (const d of live) {
      if (!d.running && wanted.get(slotKey(d)) === d.release) {
        backoff.crashed(slotKey(d), { containerId: d.containerId, release: d.release, startedAt: d.createdAt.getTime() });
      }
    }
    const restarts = restartRequests.get(app);
    restartRequests.delete(app);
    let settled: Settled | undefined;
    try {
      const ready = (d: LiveDyno) => up.has(d.containerId);
      const changes = diffFormation(wantedDynos, live, { restarts, ready }).filter((change) => {
        const key = slotKey(change.dyno);
        const release = wanted.get(key);
        if (change.kind === "stop" || release === undefined) return true;
        return backoff.mayStart(key, release);
      });
      const plan = planChanges(changes, opts.strategy ?? strategy);
      for (const phase of plan) {
        for (const step of phase) {
          const d = step.dyno;
          log(`${app}: ${step.kind} ${dynoName(d)} (v${d.release})`);
        }
        await Promise.all(phase.map((step) => runStep(step, failed).catch((e: Error) => {
          log(`${app}: ${step.kind} ${dynoName(step.dyno)} failed: ${e.message}`);
          if (step.kind === "start") failed.set(slotKey(step.dyno), `${dynoName(step.dyno)} could not start: ${e.message}`);
        })));
        await record(app, appId);
        // A deploying release settles as soon as it can: current once its web dynos are up (not
        // after the old ones are stopped), and a failed one starts nothing more of itself.
        if (model?.releaseStatus === "deploying" && !settled) settled = await settleDeploy(model, wantedDynos, failed);
        if (settled === "failed") break;
      }
      if (plan.length === 0) await record(app, appId);
    } catch (error) {
      // A one-dyno restart asked for is not lost with a failed reconcile: the next one takes it.
      if (restarts) restartRequests.set(app, new Set([...restarts, ...(restartRequests.get(app) ?? [])]));
      throw error;
    }
    if (model?.releaseStatus === "deploying" && !settled) await settleDeploy(model, wantedDynos, failed);
  }

  /**
   * A deploying release becomes current once every web dyno it wants accepts connections (every
   * dyno runs, for an app without web dynos); a web dyno of it that did not come up fails it, and
   * the previous release, whose dynos the plan kept, is the target again.
   */
  async function settleDeploy(model: DesiredApp, wantedDynos: DesiredDyno[], failed: Failures): Promise<Settled | undefined> {
    const app = model.app;
    const webFailure = wantedDynos.find((d) => d.type === "web" && failed.has(slotKey(d)));
    if (webFailure) {
      const message = `${failed.get(slotKey(webFailure))}; v${model.release} failed and the previous release keeps serving`;
      if (await endRelease(db, model.releaseId, { from: "deploying", status: "failed", message })) {
        log(`${app}: v${model.release} failed: ${message}`);
        await appendLog(redis, app, { source: "ouro", dyno: "release", line: `Release v${model.release} failed: ${message}` });
        again(`formation:${app}`);
      }
      return "failed";
    }
    const live = (await engine.listLive(app)).filter((d) => !d.runId && d.running);
    const ready = (d: DesiredDyno) =>
      live.some((l) => slotKey(l) === slotKey(d) && l.release === d.release && (d.type !== "web" || up.has(l.containerId)));
    const webs = wantedDynos.filter((d) => d.type === "web");
    if (!(webs.length ? webs : wantedDynos).every(ready)) return undefined;
    if (await endRelease(db, model.releaseId, { from: "deploying", status: "succeeded" })) {
      log(`${app}: v${model.release} is up and current`);
      // Its process types join the formation now: reconcile again with them.
      again(`formation:${app}`);
    }
    return "succeeded";
  }

  /** Has the reconcile running under `key` go round once more when it ends. */
  function again(key: string) {
    const running = inFlight.get(key);
    if (running) running.dirty = true;
  }

  /**
   * Runs `work` under the key's lock between processes, so two dyno managers never act on the
   * same app at once; when another holds it, this round is skipped (the steady tick comes back).
   */
  async function exclusively(key: string, work: () => Promise<void>) {
    const name = `ouro.dynos:${opts.namespace}:${key}`;
    if (!(await locks.tryLock(name))) return log(`${key}: another dyno manager is acting on it; skipped`);
    try {
      await work();
    } finally {
      await locks.unlock(name).catch((error: Error) => log(`${key}: could not release its lock: ${error.message}`));
    }
  }

  /**
   * Runs `work` now, or right after the run in progress under the same key (the latest `work`
   * asked for, once however many came meanwhile). The formation and the one-off dynos of an
   * app have a key each, so a release phase or a cron tick never waits behind a web dyno that
   * is still booting.
   */
  function serialized(key: string, work: () => Promise<void>): Promise<void> {
    const running = inFlight.get(key);
    if (running) {
      running.dirty = true;
      running.work = work;
      return running.done;
    }
    const entry = { dirty: false, work, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.dirty = false;
          await exclusively(key, entry.work).catch((e: Error) => log(`${key}: reconcile failed: ${e.stack}`));
        } while (entry.dirty);
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, entry);
    return entry.done;
  }

  function trigger(app: string): Promise<void> {
    return Promise.all([
      reconcileRunsOf(app),
      serialized(`formation:${app}`, () => reconcileFormation(app)),
    ]).then(() => undefined);
  }

  async function reconcileAll(): Promise<void> {
    const live = await engine.listLive();
    const existing = new Set(live.map((d) => d.containerId));
    logs.forget(existing);
    lifecycle.keep(existing);
    for (const id of up) if (!existing.has(id)) up.delete(id);
    for (const id of states.keys()) if (!existing.has(id)) states.delete(id);
    const apps = new Set([
      ...(await loadDesiredApps(db)).map((a) => a.app),
      ...(await appsWithOpenRuns(db)),
      ...live.map((d) => d.app),
    ]);
    await Promise.all([...apps].map(trigger));
    await engine.sweepVolumes();
    await collectSlugs();
    if (opts.appNetworks) {
      await opts.appNetworks.verify();
      await opts.appNetworks.prune((ids) => existingAppIds(db, ids));
    }
  }

  let lastCollect = 0;
  /** Deletes the unpacked slugs no container runs and no recent release names, and deleted apps' build caches, once a minute. */
  async function collectSlugs() {
    if (Date.now() - lastCollect < COLLECT_EVERY_MS) return;
    lastCollect = Date.now();
    const keep = new Set([...(await engine.slugsInUse()), ...(await retainedSlugChecksums(db, UNPACKED_RELEASES))]);
    const removed = await opts.dynoFs.collectSlugs(keep);
    if (removed.length > 0) log(`removed ${removed.length} unpacked slug(s) no dyno and no recent release needs`);
    await opts.dynoFs.collectBuildCaches((ids) => existingAppIds(db, ids));
  }

  /**
   * Restarts one dyno of the formation: a new container for its slot first, then the old one
   * taken out of the routes and stopped (a web dyno's requests go to the new one meanwhile).
   * A one-off dyno is stopped. Restarting a type or every dyno is a new generation instead.
   */
  async function restartDyno(app: string, name: string) {
    const live = (await engine.listLive(app)).filter((d) => d.running && dynoName(d) === name);
    // A formation dyno first: a one-off dyno may carry a process type's name (`run -t web`).
    const oneOff = live.find((d) => d.runId);
    if (oneOff && live.every((d) => d.runId)) return void (await engine.stop(oneOff.containerId));
    // The next reconcile of the formation replaces the slot's running dynos, by the plan.
    const slots = restartRequests.get(app) ?? new Set<string>();
    for (const d of live) if (!d.runId) slots.add(d.containerId);
    restartRequests.set(app, slots);
    await trigger(app);
  }

  return { reconcileApp: trigger, reconcileAll, restartDyno, engine, attach: sessions.connect, resizeRun: sessions.resize };
}

export type DynoManager = ReturnType<typeof createDynoManager>;
