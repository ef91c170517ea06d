// The config-var helper of every system app's process entry, in a child process as a dyno runs it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const helper = fileURLToPath(new URL("../../platform/lib/required-env.ts", import.meta.url));

function entry(env: Record<string, string>) {
  const script = `import { requiredEnv } from ${JSON.stringify(helper)}; console.log(requiredEnv("cron", "OURO_TEST_VAR"));`;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
}

describe("requiredEnv", () => {
  it("gives a config var that is set", () => {
    expect(entry({ OURO_TEST_VAR: "redis://127.0.0.1:6379" })).toMatchObject({ status: 0, stdout: "redis://127.0.0.1:6379\n" });
  });

  it("stops the dyno naming the var and the app when it is missing or empty", () => {
    for (const env of [{}, { OURO_TEST_VAR: "" }] as Record<string, string>[]) {
      expect(entry(env)).toMatchObject({ status: 1, stdout: "", stderr: "cron: OURO_TEST_VAR is not set; set it as a config var of the cron app\n" });
    }
  });
});
