import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

// Every file talks to the one running platform, each to apps, dynos and namespaces of its own,
// so two files can run at once: most of a Docker test's time is spent waiting on a build, a
// dyno's boot or a cron minute, not on the CPU. The files that stop or kill a kernel process,
// or replace a system app, run afterwards and alone: anything running beside them would see
// the outage they cause.
const alone = [
  "test/e2e/kernel-recovery.docker.test.ts", // SIGKILLs the API, stops Redis and PostgreSQL
  "test/e2e/zero-downtime.docker.test.ts", // SIGKILLs the dyno manager, twice
  "test/e2e/self-hosting.docker.test.ts", // system:upgrade and ps:restart of the builder
];
const exclude = ["test/fixtures/**", "test/bench/**", "node_modules/**"];

// The side-by-side files that take longest (over a minute each in CI), longest first. A clean
// clone has no timings from an earlier run, so without this the two workers take files in the
// order they are found, and a long one started last (the cron minutes, a hung step's 60 s
// timeout) runs alone at the end. Longest first keeps both workers busy to the end. Only the
// order depends on this list: a file missing from it still runs, after the listed ones.
const longest = [
  "test/e2e/heroku-cli.docker.test.ts",
  "test/e2e/cron.docker.test.ts",
  "test/dynos/manager.docker.test.ts",
  "test/builder/fixtures.network.test.ts",
  "test/e2e/hung-buildpack.docker.test.ts",
  "test/e2e/deploy.docker.test.ts",
  "test/e2e/confinement.docker.test.ts",
  "test/e2e/release-phase.docker.test.ts",
  "test/e2e/build-isolation.docker.test.ts",
  "test/e2e/build-api.docker.test.ts",
  "test/dynos/confinement.docker.test.ts",
];

/** Vitest's order (group order first), with the longest files moved to the front of their group. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = longest.indexOf(relative(file.project.config.root, file.moduleId));
      return at === -1 ? longest.length : at;
    };
    const group = (file: TestSpecification) => file.project.config.sequence.groupOrder;
    return (await super.sort(files)).sort((a, b) => group(a) - group(b) || rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 300_000,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: { name: "side-by-side", include: ["test/**/*.test.ts"], exclude: [...exclude, ...alone], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: "alone", include: alone, exclude, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
