import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/fixtures/**", "test/bench/**", "node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    // Docker-backed suites share one engine and one platform: run files one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
