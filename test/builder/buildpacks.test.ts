// Which buildpacks run (the app's list, BUILDPACK_URL, .buildpacks, detection), third-party
// buildpacks from a tarball and a git repository served on 127.0.0.1, export
// chaining, and a clean state between builds. No network beyond 127.0.0.1.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBuildpackRef } from "../../apps/builder/index.ts";
import { parseBuildpackRef as parseSharedRef } from "../../platform/lib/buildpack-ref.ts";
import { app, failure, run, tempDir } from "./helpers.ts";

const exec = promisify(execFile);
const output = (options: { log: string[] }) => options.log.join("");

// A buildpack as a third party writes it: plain files (not executable in the archive), bin/
// one folder down as in an archive of a repository, an export file for the next buildpack.
async function thirdPartyBuildpack(dir: string, label: string): Promise<void> {
  await mkdir(join(dir, "bin"), { recursive: true });
  await writeFile(join(dir, "bin", "detect"), `#!/usr/bin/env bash\necho "${label}"\n`, { mode: 0o644 });
  await writeFile(
    join(dir, "bin", "compile"),
    `#!/usr/bin/env bash\nset -eu\necho "-----> ${label} compiling"\necho "${label}" > "$1/made-by.txt"\n` +
      `printf 'export FROM_EXPORTER="exported by %s"\\n' "${label}" > "$(dirname "$0")/../export"\n`,
    { mode: 0o644 },
  );
  await writeFile(join(dir, "bin", "release"), "#!/usr/bin/env bash\nprintf -- '---\\ndefault_process_types:\\n  worker: cat made-by.txt\\n'\n", { mode: 0o644 });
}

describe("buildpack references", () => {
  // The table of what is read and refused is the shared parser's (test/lib/buildpack-ref.test.ts).
  it("fails the build with the shared parser's message, from the app's list, BUILDPACK_URL or .buildpacks", async () => {
    for (const ref of ["/srv/bp.git", "file:///srv/bp#main", "https://bp.example.com/x.tgz#v1", "foo.git"]) {
      const message = (() => {
        try {
          parseSharedRef(ref);
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`the shared parser accepts ${ref}`);
      })();
      expect(() => parseBuildpackRef(ref)).toThrow(expect.objectContaining({ name: "BuildError", message }));
      const listed = await app({ "any.txt": "x" });
      expect((await failure(run(listed, { buildpacks: [ref] }))).message).toBe(message);
      const configured = await app({ "any.txt": "x" });
      await mkdir(configured.envDir, { recursive: true });
      await writeFile(join(configured.envDir, "BUILDPACK_URL"), `${ref}\n`);
      expect((await failure(run(configured))).message).toBe(message);
      const file = await app({ "any.txt": "x", ".buildpacks": `hello\n${ref}\n` });
      expect((await failure(run(file))).message).toBe(message);
    }
  });
});

describe("which buildpacks run", () => {
  it("takes the app's list over BUILDPACK_URL over .buildpacks over detection", async () => {
    const files = { "hello.txt": "x", "index.html": "<p>", ".buildpacks": "# mine\nexporter\n\nhello\n" };
    const options = await app(files);
    await mkdir(options.envDir, { recursive: true });

    expect(await run(options, { buildpacks: ["static"] })).toMatchObject({ buildpackDescription: "Static" });
    await writeFile(join(options.envDir, "BUILDPACK_URL"), "static\n");
    expect(await run(options, { buildpacks: ["hello"] })).toMatchObject({ buildpackDescription: "Hello" });
    expect(output(options)).not.toContain("Using buildpacks from");

    options.log.length = 0;
    expect(await run(options)).toMatchObject({ buildpackDescription: "Static" });
    expect(output(options)).toContain("-----> Using buildpacks from BUILDPACK_URL: static\n");

    await writeFile(join(options.envDir, "BUILDPACK_URL"), "");
    options.log.length = 0;
    expect(await run(options)).toMatchObject({ buildpackDescription: "Hello" });
    expect(output(options)).toContain("-----> Using buildpacks from .buildpacks: exporter, hello\n-----> Exporter app detected\n");
    expect(output(options)).toContain("exported by exporter");

    const detected = await app({ "hello.txt": "x", "index.html": "<p>" });
    expect(await run(detected)).toMatchObject({ buildpackDescription: "Static" });
  });

  it("names the source of a buildpack that does not apply", async () => {
    const options = await app({ "any.txt": "x", ".buildpacks": "hello\n" });
    expect((await failure(run(options))).message).toMatch(/"hello" does not apply .*\(\.buildpacks\)/);
  });
});

describe("third-party buildpacks", () => {
  let server: Server;
  let base: string;
  const served = new Map<string, Buffer>();
  let gitRoot = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/git/")) return gitHttpBackend(gitRoot, req, res);
      const body = served.get(req.url ?? "");
      if (body) res.writeHead(200, { "content-type": "application/gzip" }).end(body);
      else res.writeHead(404).end("no such buildpack");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const root = await tempDir();
    await thirdPartyBuildpack(join(root, "tarry-1.0"), "Tarry");
    await exec("tar", ["-czf", join(root, "tarry.tgz"), "-C", root, "tarry-1.0"]);
    served.set("/buildpacks/tarry.tgz", await readFile(join(root, "tarry.tgz")));
  });
  afterAll(() => server?.close());

  it("downloads and unpacks a tarball, makes bin/ executable, chains its export into the next", async () => {
    const options = await app({ "hello.txt": "x" });
    const result = await run(options, { buildpacks: [`${base}/buildpacks/tarry.tgz`, "hello"] });
    expect(output(options)).toContain(`-----> Downloading buildpack ${base}/buildpacks/tarry.tgz\n-----> Tarry app detected\n-----> Tarry compiling\n`);
    expect(output(options)).toContain("       exported by Tarry\n");
    expect(result.processTypes).toMatchObject({ worker: "cat made-by.txt", web: "cat greeting.txt" });
    expect(result.buildpackDescription).toBe("Hello");
  });

  it("fails with the URL when a tarball cannot be downloaded", async () => {
    const options = await app({ "hello.txt": "x" });
    const error = await failure(run(options, { buildpacks: [`${base}/buildpacks/missing.tgz`] }));
    expect(error.message).toMatch(/^Could not download http:\/\/127\.0\.0\.1:\d+\/buildpacks\/missing\.tgz: .*404/);
  });

  // Over git's smart HTTP on 127.0.0.1, as from a real host: local paths are refused.
  it("clones a git repository at a branch, a tag or a commit", async () => {
    gitRoot = await tempDir();
    const work = join(gitRoot, "work");
    await thirdPartyBuildpack(work, "Gitty one");
    const git = (...args: string[]) => exec("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@t", ...args]);
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", ".");
    await git("commit", "--quiet", "-m", "one");
    await git("tag", "v1");
    const first = (await git("rev-parse", "HEAD")).stdout.trim();
    await thirdPartyBuildpack(work, "Gitty two");
    await git("commit", "--quiet", "-am", "two");
    await exec("git", ["clone", "--quiet", "--bare", work, join(gitRoot, "gitty.git")]);
    const url = `${base}/git/gitty.git`;

    for (const [ref, label] of [[url, "Gitty two"], [`${url}#v1`, "Gitty one"], [`${url}#${first}`, "Gitty one"]] as const) {
      const options = await app({ "any.txt": "x" });
      const result = await run(options, { buildpacks: [ref] });
      expect(result.buildpackDescription).toBe(label);
      expect(output(options)).toContain(`-----> Cloning buildpack ${ref}\n`);
      expect(await readFile(join(options.sourceDir, "made-by.txt"), "utf8")).toBe(`${label}\n`);
    }
    const missing = await app({ "any.txt": "x" });
    expect((await failure(run(missing, { buildpacks: [`${url}#nope`] }))).message).toMatch(/^Could not check out "nope"/);
  });
});

// `git http-backend` as a CGI: the repositories under `root`, at /git/<name>.git.
function gitHttpBackend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const header = (name: string) => String(req.headers[name] ?? "");
  const backend = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname.slice("/git".length),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: header("content-type"),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
      REMOTE_ADDR: "127.0.0.1",
    },
  });
  req.pipe(backend.stdin);
  const chunks: Buffer[] = [];
  backend.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  backend.on("close", () => {
    const answer = Buffer.concat(chunks);
    const end = answer.indexOf("\r\n\r\n");
    const headers = Object.fromEntries(
      answer.subarray(0, end).toString().split("\r\n").map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
    );
    const { status = "200", ...rest } = headers;
    res.writeHead(Number.parseInt(status, 10), rest).end(answer.subarray(end + 4));
  });
}

describe("a clean state for every build", () => {
  it("gives each build its own HOME, TMPDIR and buildpack copies, and stops what a build left running", async () => {
    const options = await app({ "any.txt": "x", Procfile: "web: true\n" });
    await run(options, { buildpacks: ["stateful"] });
    const pid = Number(await readFile(join(options.sourceDir, "background.pid"), "utf8"));
    // The `sleep 60 &` is gone (or a zombie, where nothing reaps orphans).
    const state = await readFile(`/proc/${pid}/stat`, "utf8").then((stat) => stat.split(") ")[1]?.[0], () => "gone");
    expect(["gone", "Z"]).toContain(state);
    const firstHome = /home (\S+)/.exec(output(options))?.[1];
    options.log.length = 0;
    await run(options, { buildpacks: ["stateful", "procfile"] });
    expect(output(options)).not.toContain("found ");
    expect(firstHome).toMatch(/scratch\/home$/);
  });
});

describe(".slugignore and the slug size limit", () => {
  it("removes what .slugignore names after the build, before packing", async () => {
    const options = await app({
      "hello.txt": "x",
      ".slugignore": "# not needed at run time\n*.md\n/docs/\ntest/**/*.snap\n!KEEP.md\nsrc/*.ts\n",
      "README.md": "r",
      "KEEP.md": "k",
      "lib/NOTES.md": "n",
      "docs/guide.txt": "g",
      "lib/docs/kept.txt": "kept: /docs/ is anchored",
      "test/a/b/c.snap": "s",
      "test/a/c.txt": "t",
      "src/main.ts": "m",
      "src/deep/main.ts": "kept: * stops at /",
    });
    const { layers } = await run(options, { buildpacks: ["hello"] });
    const { stdout } = await exec("tar", ["-tzf", layers[0]!.path]);
    const files = stdout.split("\n").filter((f) => f && !f.endsWith("/")).sort();
    expect(files).toEqual([
      "./.slugignore", "./KEEP.md", "./greeting.txt", "./hello.txt", "./lib/docs/kept.txt", "./src/deep/main.ts", "./test/a/c.txt",
    ]);
    expect(output(options)).toContain("-----> Removed 5 path(s) matched by .slugignore\n");
  });

  it("fails a slug over the limit, naming its size, the limit and .slugignore", async () => {
    const options = await app({ "hello.txt": "x" });
    await writeFile(join(options.sourceDir, "blob.bin"), randomBytes(1_300_000)); // random bytes do not compress
    const error = await failure(run(options, { buildpacks: ["hello"], slugSizeLimit: 1024 * 1024 }));
    expect(error.message).toMatch(/^Compiled slug size: 1\.2MB is too large \(max is 1\.0MB\)\. .*\.slugignore/);

    await writeFile(join(options.sourceDir, ".slugignore"), "*.bin\n");
    expect(await run(options, { buildpacks: ["hello"], slugSizeLimit: 1024 * 1024 })).toMatchObject({ buildpackDescription: "Hello" });
  });
});
