// A build dyno: `build: node apps/builder/build-main.ts`, started by the kernel for one build
// (`build.N`), with that build's credential as its whole environment from the platform. It
// builds, posts the result, and exits; the container and all the build started go with it.
// A standby build dyno has its own credential instead, and is told its build's (standby.ts).
import { builderBuildpacksDir } from "./detect.ts";
import { BUILD_DYNO_ENV, DEFAULT_STACK } from "./job.ts";
import { processBuild } from "./build.ts";
import { requiredEnv } from "../../platform/lib/required-env.ts";
import { BUILD_CACHE_DIR, STANDBY_DYNO_ENV } from "../../platform/lib/build-contract.ts";
import { awaitBuild } from "./standby.ts";
import { existsSync } from "node:fs";

const log = (line: string) => console.log(line);
const apiUrl = requiredEnv("build dyno", BUILD_DYNO_ENV.apiUrl);
const standbyRun = process.env[STANDBY_DYNO_ENV.runId];
const build = standbyRun
  ? await awaitBuild({ apiUrl, runId: standbyRun, token: requiredEnv("standby build dyno", STANDBY_DYNO_ENV.token), log })
  : { buildId: requiredEnv("build dyno", BUILD_DYNO_ENV.buildId), token: requiredEnv("build dyno", BUILD_DYNO_ENV.token) };
// Closed before a build took it: nothing to do.
if (!build) process.exit(0);
const result = await processBuild({
  apiUrl,
  buildId: build.buildId,
  token: build.token,
  buildpacksDir: builderBuildpacksDir(),
  // Nothing else comes from the environment: the build's deadline and the slug size limit
  // come with its spec.
  stack: DEFAULT_STACK,
  // The app's build cache on this host, when the dyno manager mounted one.
  hostCacheDir: existsSync(BUILD_CACHE_DIR) ? BUILD_CACHE_DIR : undefined,
  log,
});
process.exit(result.status === "succeeded" ? 0 : 1);
