// The dyno manager at scale, in one run (about 5 minutes; needs a running platform):
//   1. 100 dynos (20 apps × 3 web + 2 worker) converged from zero by a dyno manager run in this
//      process, in a namespace and on a throwaway database of its own, against the same number
//      of bare containers started with dockerode;
//   2. the CPU that manager uses at rest, its steady tick running as platform/dynos/main.ts's;
//   3. a restart of it: a new manager with nothing in memory adopts all 100, starting and
//      stopping nothing, against one listing of the containers;
//   4. requests failed under constant load through the platform's router while a real app is
//      pushed, restarted and scaled 2 → 4 → 1.
// Prints a summary with each target; exits non-zero when something could not be measured.
// Everything it makes is removed, on failure and on Ctrl-C too.
//   npm run bench:dynos [-- --apps 20 --web 3 --workers 2 --idle-seconds 30 --tick-ms MS --skip-load]
import { parseArgs } from "node:util";
import { adopt } from "./dynos/adoption.ts";
import { bareStart, converge, removeBare } from "./dynos/converge.ts";
import { createFleet } from "./dynos/fleet.ts";
import { idleCpu, platformTickMs, runTick } from "./dynos/idle.ts";
import { type Made, leftBehind } from "./dynos/leftovers.ts";
import { createReport, passIf } from "./dynos/report.ts";
import { type LoadResult, servingApp } from "./dynos/under-load.ts";
import { type Teardown, teardown } from "./teardown.ts";

const { values: args } = parseArgs({
  options: {
    apps: { type: "string", default: "20" },
    web: { type: "string", default: "3" },
    workers: { type: "string", default: "2" },
    "idle-seconds": { type: "string", default: "30" },
    "tick-ms": { type: "string" },
    "skip-load": { type: "boolean", default: false },
  },
});
const shape = { apps: Number(args.apps), web: Number(args.web), workers: Number(args.workers) };
const total = shape.apps * (shape.web + shape.workers);
const idleSeconds = Number(args["idle-seconds"]);

const progress = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const s = (seconds: number) => `${seconds.toFixed(1)} s`;

const made: Made = { appIds: [] };
const report = createReport({
  converge: { measure: `converge ${total} dynos from zero`, target: "report (vs bare dockerode)" },
  idle: { measure: "manager CPU at rest", target: "< 5 % of one core" },
  adopt: { measure: `adopt ${total} dynos after a restart`, target: "< 10 s, none started or stopped, all up" },
  push: { measure: "failed requests: git push", target: "0" },
  restart: { measure: "failed requests: ps:restart", target: "0" },
  scale: { measure: "failed requests: scale 2 → 4 → 1", target: "0" },
});

async function managerPhases(undo: Teardown) {
  const tickMs = args["tick-ms"] ? Number(args["tick-ms"]) : platformTickMs();
  progress(`setting up ${shape.apps} apps (${shape.web} web + ${shape.workers} worker each) on a throwaway database`);
  const fleet = await createFleet({ ...shape, undo });
  Object.assign(made, { namespace: fleet.namespace, appIds: fleet.apps.map((a) => a.id), database: fleet.database });
  try {
    progress(`starting ${total} bare containers of ${fleet.stackImage} (the baseline)`);
    undo.add("the baseline's containers", () => removeBare(fleet.docker, fleet.namespace));
    const bare = await bareStart(fleet.docker, fleet.stackImage, total, fleet.namespace);

    progress(`converging ${total} dynos with an in-process dyno manager (namespace ${fleet.namespace})`);
    const first = fleet.manager();
    const converged = await converge(fleet, first);
    report.set("converge", `${s(converged.seconds)} (${converged.rounds} reconcileAll); bare ${s(bare)}; ${(converged.seconds / bare).toFixed(1)}×`, "-");

    progress(`the steady tick every ${tickMs} ms; a tick to settle, then ${idleSeconds} s at rest`);
    const tick = await runTick(fleet, first, tickMs);
    undo.add("the first manager's tick", tick.stop);
    await sleep(tickMs + 2_000);
    const idle = await idleCpu(tick, idleSeconds);
    const meanTick = idle.ticks.reduce((a, b) => a + b, 0) / Math.max(1, idle.ticks.length);
    const dockerd = idle.dockerdPercent === undefined ? "" : `; dockerd ${idle.dockerdPercent.toFixed(1)} %`;
    report.set("idle", `${idle.percent.toFixed(1)} % over ${s(idle.seconds)} (${idle.ticks.length} ticks, mean ${meanTick.toFixed(0)} ms${dockerd})`, passIf(idle.percent < 5));

    progress("dropping the manager; a new one adopts what runs");
    await tick.stop();
    const adoption = await adopt(fleet);
    const events = Object.entries(adoption.events).map(([action, n]) => `${n} ${action}`).join(", ") || "no start or stop";
    report.set(
      "adopt",
      `${s(adoption.seconds)}; listing ${(adoption.listingSeconds * 1000).toFixed(0)} ms, ${(adoption.seconds / adoption.listingSeconds).toFixed(0)}×; ` +
        `${events}; ${adoption.gone} gone, ${adoption.added} new; ${adoption.recorded.up ?? 0}/${total} up`,
      passIf(adoption.seconds < 10 && adoption.adopted),
    );
  } catch (error) {
    console.error(`the dyno manager's log, last lines:\n${fleet.log.slice(-40).join("\n")}`);
    throw error;
  }
}

async function loadPhases(undo: Teardown) {
  progress("deploying hello-express on the platform at web=2");
  const app = await servingApp(undo, (name) => (made.platformApp = name));
  const show = (key: string, result: LoadResult) => {
    const kinds = Object.entries(result.failures).map(([kind, n]) => `${n} ${kind}`).join(", ");
    const evidence = `old web gone ${result.replaced.gone}/${result.replaced.of}, served by ${result.servedBy.join(" ")}`;
    report.set(key, `${result.failed}/${result.ok + result.failed} failed in ${s(result.seconds)}${kinds ? ` (${kinds})` : ""}; ${evidence}`, passIf(result.failed === 0 && result.ok > 0));
  };
  progress("under load: git push of a new release");
  show("push", await app.push());
  progress("under load: ouro ps:restart");
  show("restart", await app.restart());
  progress("under load: ouro ps:scale web=4, then web=1");
  show("scale", await app.scale());
}

const undo = teardown({ stepTimeoutMs: 60_000 });
// A wedged Docker engine answers nothing: the run ends anyway, saying so.
const DEADLINE_MS = 12 * 60_000;
setTimeout(() => {
  report.failed("the benchmark", new Error(`it ran past ${DEADLINE_MS / 60_000} minutes (is the Docker engine answering?)`));
  progress("past the deadline: cleaning up");
  undo.run().finally(() => {
    report.print();
    process.exit(1);
  });
}, DEADLINE_MS).unref();
let clean = true;
try {
  await managerPhases(undo).catch((error) => report.failed("the dyno manager phases", error));
  if (!args["skip-load"]) await loadPhases(undo).catch((error) => report.failed("the under-load phases", error));
  else for (const key of ["push", "restart", "scale"]) report.set(key, "skipped (--skip-load)", "-");
} finally {
  progress("cleaning up");
  await undo.run();
  const left = await Promise.race([
    leftBehind(made),
    sleep(30_000).then(() => ["(what was left could not be checked: no answer within 30 s)"]),
  ]);
  if (left.length) {
    clean = false;
    console.error(`left behind: ${left.join("; ")}`);
  }
}
const measured = report.print();
process.exit(measured && clean ? 0 : 1);
