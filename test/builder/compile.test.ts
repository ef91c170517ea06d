import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDefaultProcessTypes } from "../../apps/builder/index.ts";
import { app, failure, run } from "./helpers.ts";

describe("compile", () => {
  it("runs the detected buildpack with env, cache and build env, and packs a slug", async () => {
    const options = await app({ "hello.txt": "world\n" });
    await mkdir(options.envDir, { recursive: true });
    await writeFile(join(options.envDir, "GREETING"), "howdy");
    process.env.REDIS_URL = "redis://:secret@127.0.0.1:6390";
    const result = await run(options, { buildpacks: ["hello"] }).finally(() => delete process.env.REDIS_URL);
    const output = options.log.join("");
    expect(output).toContain("-----> Hello app detected\n-----> Greeting\n");
    expect(output).toContain("registry http://127.0.0.1:4873/");
    expect(output).toContain("redis unset"); // the builder's own secrets stay out of builds
    expect(output).toMatch(/-----> Compressing\.\.\. done, \d+\.\dMB\n-----> Launching\.\.\.\n$/);
    expect(await readFile(join(options.sourceDir, "greeting.txt"), "utf8")).toBe("howdy, world\n");
    expect(result.layers.map((l) => l.path)).toEqual([join(options.workDir, "slug", "app.tgz")]);
    expect(result).toMatchObject({
      processTypes: { web: "cat greeting.txt", clock: `echo "it's"` },
      buildpackDescription: "Hello",
    });
    expect(result.layers[0]!.checksum).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(result.size).toBe((await readFile(result.layers[0]!.path)).length);

    // The cache survives into the next build; the same tree gives the same slug.
    const again = await run(options, { buildpacks: ["hello"] });
    expect(options.log.join("")).toContain("build number 2");
    expect(again.layers.map((l) => l.checksum)).toEqual(result.layers.map((l) => l.checksum));
  });

  it("detects in the order nodejs, static, procfile", async () => {
    const both = await app({ "package.json": "{}", Procfile: "web: node server.js\n" });
    expect(await run(both)).toMatchObject({ buildpackDescription: "Node.js", processTypes: { web: "node server.js" } });
    const procfileOnly = await app({ Procfile: "worker: ./run\n" });
    expect(await run(procfileOnly)).toMatchObject({ buildpackDescription: "Procfile", processTypes: { worker: "./run" } });
  });

  it("says which files it looked for when nothing is detected", async () => {
    const options = await app({ "README.md": "hi" });
    const error = await failure(run(options));
    expect(error.message).toBe(
      "No buildpack detected this app. Ouro looked for: nodejs (package.json), static (static.json or index.html), procfile (Procfile). " +
        "Add one of these files, or set buildpacks with ouro buildpacks:set.",
    );
  });

  it("lets the Procfile override default process types per type", async () => {
    const options = await app({ "hello.txt": "x", Procfile: "web: node web.js\nworker: node worker.js\n" });
    const result = await run(options, { buildpacks: ["hello"] });
    expect(result.processTypes).toEqual({ web: "node web.js", clock: `echo "it's"`, worker: "node worker.js" });
  });

  it("fails on a malformed Procfile, naming the line", async () => {
    const options = await app({ "hello.txt": "x", Procfile: "web: node web.js\nthis is not a process\n" });
    const error = await failure(run(options, { buildpacks: ["hello"] }));
    expect(error.message).toMatch(/Procfile line 2/);
  });

  it("fails when there are no process types at all", async () => {
    const options = await app({ "any.txt": "x" });
    const error = await failure(run(options, { buildpacks: ["bare"] }));
    expect(error.message).toMatch(/^No process types: add a Procfile/);
  });

  it("names the buildpack and exit code when compile fails, after streaming its output", async () => {
    const options = await app({ "any.txt": "x" });
    const error = await failure(run(options, { buildpacks: ["broken"] }));
    expect(error.message).toMatch(/The broken buildpack failed to compile this app \(bin\/compile exited 3\)/);
    expect(options.log.join("")).toContain(" !     something is wrong");
  });

  it("refuses a requested buildpack that does not apply or does not exist", async () => {
    const options = await app({ "any.txt": "x" });
    expect((await failure(run(options, { buildpacks: ["hello"] }))).message).toMatch(/"hello" does not apply/);
    expect((await failure(run(options, { buildpacks: ["nope"] }))).message).toMatch(/"nope" does not exist/);
    expect((await failure(run(options, { buildpacks: ["../hello"] }))).message).toMatch(/not a buildpack name/);
  });
});

describe("compile with several buildpacks or a deadline", () => {
  it("runs all requested buildpacks, each seeing what the previous one exported", async () => {
    const options = await app({ "hello.txt": "x" });
    const result = await run(options, { buildpacks: ["exporter", "hello"] });
    const output = options.log.join("");
    expect(output).toContain("-----> Exporter app detected\n-----> Hello app detected\n");
    expect(output).toContain("       exported by exporter\n");
    expect(result.buildpackDescription).toBe("Hello");
  });

  it("kills a build that runs past its deadline, children included", async () => {
    const options = await app({ "any.txt": "x" });
    const started = Date.now();
    const error = await failure(run(options, { buildpacks: ["slow"], timeoutMs: 700 }));
    expect(error.message).toMatch(/^The build was stopped after 1 seconds/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(options.log.join("")).toContain("-----> Sleeping");
  });
});

describe("compile with a hung buildpack step", () => {
  it.each([
    ["bin/release", "hung-release"],
    ["bin/detect", "hung-detect"],
  ])("fails a build whose %s hangs within the step's timeout, and the next build builds", async (step, buildpack) => {
    const options = await app({ "hello.txt": "x" });
    const started = Date.now();
    const error = await failure(run(options, { buildpacks: [buildpack], stepTimeoutMs: 700 }));
    expect(error.message).toBe(`The ${buildpack} buildpack's ${step} did not finish within 1 s and was stopped. Fix or replace that buildpack.`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await run(options, { buildpacks: ["hello"] })).toMatchObject({ buildpackDescription: "Hello" });
  });
});

describe("parseDefaultProcessTypes", () => {
  it("reads only the default_process_types mapping", () => {
    const yaml = "---\naddons:\n  - x\ndefault_process_types:\n  web: npm start\n  # note\n  worker: \"node w.js\"\nconfig_vars:\n  A: b\n";
    expect(parseDefaultProcessTypes(yaml)).toEqual({ web: "npm start", worker: "node w.js" });
    expect(parseDefaultProcessTypes("---\ndefault_process_types: {}\n")).toEqual({});
    expect(parseDefaultProcessTypes("")).toEqual({});
  });
});
