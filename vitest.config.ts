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

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 300_000,
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
