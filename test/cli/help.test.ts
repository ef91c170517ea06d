// `ouro help`: the topics with an example each, a topic's commands, one command's usage.
// Runs the real CLI; help reads nothing from the platform.
import { describe, expect, it } from "vitest";
import { ouro } from "../support/platform.ts";

describe("ouro help", () => {
  it("lists every topic with what it is for and an example, and --help says the same", () => {
    const help = ouro(["help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const [topic, example] of [
      ["apps", "ouro apps:create hello"],
      ["config", "ouro config:set GREETING=hi -a hello"],
      ["ps", "ouro ps:scale web=2 -a hello"],
      ["releases", "ouro releases:rollback v3 -a hello"],
      ["logs", "ouro logs --tail -a hello"],
    ] as const) {
      expect(help.stdout).toMatch(new RegExp(`^  ${topic} +\\S.*\\n +e\\.g\\. ${example.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    }
    // A topic per command prefix, none twice, no command listed on its own.
    const topics = [...help.stdout.matchAll(/^  ([a-z]+) {2,}/gm)].map((m) => m[1]);
    expect(new Set(topics).size).toBe(topics.length);
    expect(topics).toContain("authorizations");
    expect(help.stdout).not.toContain("config:set <assignments");
    expect(ouro(["--help"]).stdout).toBe(help.stdout);
  });

  it("lists a topic's commands with their arguments, and shows one command's usage", () => {
    const config = ouro(["help", "config"]);
    expect(config.code, config.stderr).toBe(0);
    expect(config.stdout).toMatch(/^  config:set <assignments\.\.\.> +set config vars/m);
    expect(config.stdout).toMatch(/^  config:unset <keys\.\.\.> +remove config vars/m);
    expect(config.stdout).toContain("Example: ouro config:set GREETING=hi -a hello");
    expect(config.stdout).not.toContain("ps:scale");

    const scale = ouro(["help", "ps:scale"]);
    expect(scale.code).toBe(0);
    expect(scale.stdout).toMatch(/^Usage: ouro ps:scale \[options\] \[changes\.\.\.\]$/m);
  });

  it("says so for a topic there is none of", () => {
    const none = ouro(["help", "nope"]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe("Error: nope is not a topic. ouro help lists them.");
  });
});
