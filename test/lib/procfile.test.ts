import { describe, expect, it } from "vitest";
import { ProcfileError, parseProcfile } from "../../platform/lib/procfile.ts";
import { parseAppName } from "../../platform/lib/app-name.ts";

describe("parseProcfile", () => {
  it("reads process types, skipping blanks and comments", () => {
    expect(parseProcfile("# kernel\nweb: node server.js\n\nworker:  node worker.js --fast \r\n")).toEqual({
      web: "node server.js",
      worker: "node worker.js --fast",
    });
  });

  it("keeps colons inside the command", () => {
    expect(parseProcfile("web: env A=b:c node s.js")).toEqual({ web: "env A=b:c node s.js" });
  });

  const bad: [string, RegExp][] = [
    ["web node server.js", /line 1 .*is not "<process type>: <command>"/],
    ["web: a\nweb: b", /line 2: process type "web" is defined twice/],
    ["we b: x", /line 1: process type "we b"/],
    ["web:", /line 1: process type "web" has no command/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)} naming the line`, () => {
      expect(() => parseProcfile(text)).toThrow(ProcfileError);
      expect(() => parseProcfile(text)).toThrow(message);
    });
  }
});

describe("parseAppName", () => {
  it.each(["hello", "my-app-2", "a1"])("accepts %s", (name) => expect(parseAppName(name)).toBe(name));
  it.each(["Hello", "1app", "a", "-x", "a_b", "x".repeat(31), "", 7])("refuses %s with the rule", (name) => {
    expect(() => parseAppName(name)).toThrow(/starts with a lowercase letter/);
  });
});
