// The builder dyno's work: one BullMQ job = one build, in a fresh temp dir, talking to the
// API only through the build's scoped token.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "bullmq";
import type { ConnectionOptions, Job } from "bullmq";
import { createBuildApi } from "./api-client.ts";
import { isBuildError } from "./build-error.ts";
import { compile, slugSizeLimit } from "./compile.ts";
import { BUILD_QUEUE, BuildJobSchema } from "./job.ts";
import type { BuildJob, BuildResult } from "./job.ts";
import { fingerprint } from "./fingerprint.ts";
import { packDirectory } from "./slug.ts";

export interface BuildDeps {
  apiUrl: string;
  buildpacksDir: string;
  stack: string;
  timeoutMs?: number; // per build; the API gives up on a build after OURO_BUILD_TIMEOUT too
  slugSizeLimit?: number; // bytes; the job's buildEnv.OURO_SLUG_SIZE_LIMIT (MB) wins
  log: (line: string) => void;
}

export async function processBuild(job: BuildJob, deps: BuildDeps): Promise<BuildResult> {
  const started = Date.now();
  deps.log(`build ${job.buildId} app=${job.app} started`);
  const api = createBuildApi({ apiUrl: deps.apiUrl, buildId: job.buildId, token: job.token });
  const workDir = await mkdtemp(join(tmpdir(), "ouro-build-"));
  const output = api.openOutput();
  let result: BuildResult;
  try {
    result = await build(job, deps, api, output.write, workDir);
  } catch (error) {
    // The API prints the message to the pusher (" !     …") when it gets the result.
    const message = isBuildError(error) ? error.message : `The build failed inside Ouro: ${(error as Error).message}`;
    result = { status: "failed", message };
  }
  try {
    // All output is in before the result: the API ends the pusher's stream on the result.
    await output.close().catch((error: Error) => deps.log(`build ${job.buildId} output stream lost: ${error.message}`));
    await api.postResult(result);
  } finally {
    await rm(workDir, { recursive: true, force: true });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    deps.log(`build ${job.buildId} app=${job.app} ${result.status} in ${seconds}s`);
  }
  return result;
}

async function build(
  job: BuildJob,
  deps: BuildDeps,
  api: ReturnType<typeof createBuildApi>,
  output: (text: string) => void,
  workDir: string,
): Promise<BuildResult> {
  const sourceDir = join(workDir, "build");
  const cacheDir = join(workDir, "cache");
  const envDir = join(workDir, "env");
  await api.downloadSource(sourceDir);
  await mkdir(cacheDir);
  if (await api.downloadCache(cacheDir)) output("-----> Restoring cache\n");
  await mkdir(envDir);
  for (const [key, value] of Object.entries(job.env)) await writeFile(join(envDir, key), value);
  const cacheBefore = await fingerprint(cacheDir);

  const compiled = await compile({
    sourceDir,
    cacheDir,
    envDir,
    buildpacksDir: deps.buildpacksDir,
    buildpacks: job.buildpacks,
    buildEnv: job.buildEnv,
    output,
    workDir: join(workDir, "out"),
    stack: deps.stack,
    timeoutMs: deps.timeoutMs,
    slugSizeLimit: job.buildEnv.OURO_SLUG_SIZE_LIMIT ? slugSizeLimit(job.buildEnv.OURO_SLUG_SIZE_LIMIT) : deps.slugSizeLimit,
  });

  const saveCache = async () => {
    if ((await fingerprint(cacheDir)) === cacheBefore) return;
    const cacheFile = join(workDir, "out", "cache.tgz");
    await packDirectory({ dir: cacheDir, out: cacheFile });
    await api.uploadCache(cacheFile);
  };
  const [stored] = await Promise.all([api.uploadSlug(compiled.slugPath), saveCache()]);
  if (stored.checksum !== compiled.checksum) {
    throw new Error(`the API stored the slug as ${stored.checksum}, the builder packed ${compiled.checksum}`);
  }
  return {
    status: "succeeded",
    checksum: compiled.checksum,
    processTypes: compiled.processTypes,
    buildpackDescription: compiled.buildpackDescription,
    stack: deps.stack,
  };
}

export function createBuildWorker(options: BuildDeps & { connection: ConnectionOptions; queue?: string }): Worker {
  const processor = async (job: Job): Promise<BuildResult> => {
    const parsed = BuildJobSchema.safeParse(job.data);
    if (!parsed.success) throw new Error(`job ${job.id} is not a BuildJob: ${parsed.error.message}`);
    return processBuild(parsed.data, options);
  };
  // A builder dyno that dies mid-build stops renewing its job's lock; within about 15 s another
  // builder (or this one, restarted) finds the job stalled and runs it again, once. A second
  // death fails the job, and the API fails the build with BullMQ's reason.
  return new Worker(options.queue ?? BUILD_QUEUE, processor, {
    connection: options.connection,
    concurrency: 1,
    lockDuration: 10_000,
    stalledInterval: 5_000,
    maxStalledCount: 1,
  });
}
