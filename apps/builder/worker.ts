// The builder worker: takes a build off the queue and has the kernel start a build dyno for
// it — a fresh one-off dyno of this app's own release that holds only that build's
// credential — then watches it to the end. The worker never runs user code itself.
import { Worker } from "bullmq";
import type { ConnectionOptions, Job } from "bullmq";
import type { BuilderApi } from "./api-client.ts";
import { BUILD_QUEUE, type BuildDyno, type BuildJob, BuildJobSchema } from "./job.ts";

export interface SuperviseDeps {
  api: BuilderApi;
  log: (line: string) => void;
  /** How often the build dyno is looked at. */
  pollMs?: number;
  /** How long the API may stay unreachable before the job is given up (BullMQ then fails the build). */
  patienceMs?: number;
}

/** Runs one build to its end; returns how it ended (undefined: the build is gone with its app). */
export async function superviseBuild(job: BuildJob, deps: SuperviseDeps): Promise<BuildDyno | undefined> {
  try {
    return await watch(job, deps);
  } catch (error) {
    if ((error as Error).name !== "BuildGoneError") throw error;
    deps.log(`build ${job.buildId} app=${job.app} gone: ${(error as Error).message}`);
    return undefined;
  }
}

async function watch(job: BuildJob, deps: SuperviseDeps): Promise<BuildDyno> {
  const pollMs = deps.pollMs ?? 1_000;
  const patienceMs = deps.patienceMs ?? 120_000;
  const sleep = () => new Promise((resolve) => setTimeout(resolve, pollMs));
  // Every call is safe to repeat, so an API blip is waited out (within patience), never a failed build.
  const patiently = async (what: string, call: () => Promise<BuildDyno>): Promise<BuildDyno> => {
    const since = Date.now();
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if ((error as Error).name === "BuildGoneError" || Date.now() - since > patienceMs) throw error;
        deps.log(`build ${job.buildId}: ${what} failed, trying again: ${(error as Error).message}`);
        await sleep();
      }
    }
  };
  let dyno = await patiently("starting its dyno", () => deps.api.startDyno(job.buildId));
  deps.log(`build ${job.buildId} app=${job.app} taken: ${dyno.buildStatus === "pending" ? `dyno ${dyno.name} ${dyno.state}` : dyno.buildStatus}`);
  let endedAt: number | undefined;
  while (dyno.buildStatus === "pending") {
    await sleep();
    dyno = await patiently("looking at its dyno", () => deps.api.dyno(job.buildId));
    if (dyno.buildStatus !== "pending" || dyno.state !== "complete") continue;
    // The dyno posts its result before it exits; give a result in flight a moment.
    endedAt ??= Date.now();
    if (Date.now() - endedAt >= 2 * pollMs) dyno = await patiently("reporting its dyno's end", () => deps.api.dynoEnded(job.buildId));
  }
  deps.log(`build ${job.buildId} app=${job.app} ${dyno.buildStatus}${dyno.name ? ` (${dyno.name})` : ""}`);
  return dyno;
}

export function createBuildWorker(options: SuperviseDeps & { connection: ConnectionOptions; queue?: string; concurrency?: number }): Worker {
  const processor = async (job: Job): Promise<BuildDyno | undefined> => {
    const parsed = BuildJobSchema.safeParse(job.data);
    if (!parsed.success) throw new Error(`job ${job.id} is not a BuildJob: ${parsed.error.message}`);
    return superviseBuild(parsed.data, options);
  };
  // A worker dyno that dies or is restarted mid-build stops renewing its job's lock; within
  // about 15 s another worker (or this one, restarted) finds the job stalled and takes it
  // again: it finds the build's dyno still running and watches it on. Watching is safe to
  // repeat and the build's deadline bounds it, so many restarts are allowed before BullMQ
  // gives the job up (and the API fails the build with BullMQ's reason).
  return new Worker(options.queue ?? BUILD_QUEUE, processor, {
    connection: options.connection,
    concurrency: options.concurrency ?? 1,
    lockDuration: 10_000,
    stalledInterval: 5_000,
    maxStalledCount: 20,
  });
}
