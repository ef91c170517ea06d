// Needs redis-server on PATH (bootstrap installs it); starts its own on a free port.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuildWorker } from "../../apps/builder/index.ts";
import type { BuildResult } from "../../apps/builder/index.ts";
import { fixtureBuildpacks, tarOf } from "./helpers.ts";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;

// The API's /internal/builds routes, as far as a builder sees them, for one build.
interface FakeBuild {
  source: Buffer;
  output: { text: string; at: number }[];
  outputEndedAt?: number;
  slugChecksum?: string;
  cache?: Buffer;
  result: Promise<BuildResult>;
  authorizations: Set<string | undefined>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function startApi(builds: Map<string, FakeBuild & { resolve: (r: BuildResult) => void }>): Promise<Server> {
  const server = createServer(async (req, res) => {
    const match = /^\/internal\/builds\/([^/]+)\/(\w+)$/.exec(req.url ?? "");
    const build = match?.[1] ? builds.get(match[1]) : undefined;
    if (!match || !build) return res.writeHead(404).end();
    build.authorizations.add(req.headers.authorization);
    const route = `${req.method} ${match[2]}`;
    if (route === "GET source") return res.end(build.source);
    if (route === "GET cache") return build.cache ? res.end(build.cache) : res.writeHead(404).end();
    if (route === "PUT cache") {
      build.cache = await body(req);
      return res.writeHead(200).end();
    }
    if (route === "PUT slug") {
      const slug = await body(req);
      build.slugChecksum = `SHA256:${createHash("sha256").update(slug).digest("hex")}`;
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ checksum: build.slugChecksum, size: slug.length }));
    }
    if (route === "POST output") {
      req.setEncoding("utf8");
      for await (const text of req) build.output.push({ text: text as string, at: Date.now() });
      build.outputEndedAt = Date.now();
      return res.writeHead(204).end();
    }
    if (route === "POST result") {
      build.resolve(JSON.parse((await body(req)).toString()) as BuildResult);
      return res.writeHead(204).end();
    }
    res.writeHead(405).end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function tarBuffer(entries: Parameters<typeof tarOf>[0]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarOf(entries)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!hasRedis)("build worker (real Redis, in-process API)", () => {
  const queueName = `builds-test-${randomUUID().slice(0, 8)}`;
  const builds = new Map<string, FakeBuild & { resolve: (r: BuildResult) => void }>();
  const logs: string[] = [];
  let redis: ChildProcess;
  let api: Server;
  let queue: Queue;
  let worker: Worker;

  beforeAll(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "pipe" });
    await new Promise<void>((resolve, reject) => {
      redis.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("Ready to accept") && resolve());
      redis.on("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
    });
    api = await startApi(builds);
    const connection = { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: null };
    queue = new Queue(queueName, { connection });
    worker = createBuildWorker({
      connection,
      queue: queueName,
      apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      buildpacksDir: fixtureBuildpacks,
      stack: "test-stack",
      log: (line) => logs.push(line),
    });
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.obliterate({ force: true });
    await queue?.close();
    api?.close();
    redis?.kill();
  });

  async function enqueue(source: Buffer, extra: { buildpacks?: string[]; buildEnv?: Record<string, string> } = {}) {
    const buildId = randomUUID();
    let resolve!: (r: BuildResult) => void;
    const result = new Promise<BuildResult>((r) => (resolve = r));
    const build = { source, output: [], result, resolve, authorizations: new Set<string | undefined>() };
    builds.set(buildId, build);
    await queue.add(
      "build",
      { buildId, app: "hello", token: `token-${buildId}`, env: { GREETING: "hi" }, buildEnv: extra.buildEnv ?? {}, buildpacks: extra.buildpacks ?? ["hello"] },
      { jobId: buildId },
    );
    return { buildId, build: build as FakeBuild };
  }

  it("builds, streams output while it runs, uploads slug and cache, posts the result", async () => {
    const source = await tarBuffer([{ header: { name: "hello.txt" }, body: "world\n" }]);
    const { buildId, build } = await enqueue(source, { buildEnv: { HELLO_SLEEP: "1" } });
    const result = await build.result;
    expect(result).toMatchObject({ status: "succeeded", checksum: build.slugChecksum, stack: "test-stack", buildpackDescription: "Hello" });
    expect(build.authorizations).toEqual(new Set([`Bearer token-${buildId}`]));
    const greeting = build.output.find((o) => o.text.includes("-----> Greeting"));
    expect(greeting).toBeDefined();
    expect((build.outputEndedAt ?? 0) - (greeting?.at ?? 0)).toBeGreaterThan(700); // arrived before the sleep ended
    expect(build.output.map((o) => o.text).join("")).toContain("-----> Launching...");
    expect(build.cache?.length).toBeGreaterThan(0);
    expect(logs).toContain(`build ${buildId} app=hello started`);

    // The second build gets the first one's cache back.
    const again = await enqueue(source);
    builds.get(again.buildId)!.cache = build.cache;
    expect(await again.build.result).toMatchObject({ status: "succeeded", checksum: result.status === "succeeded" ? result.checksum : "" });
    expect(again.build.output.map((o) => o.text).join("")).toContain("build number 2");
  }, 20_000);

  it("posts a failed result with what to fix", async () => {
    const source = await tarBuffer([{ header: { name: "../escape" }, body: "x" }]);
    const { buildId, build } = await enqueue(source);
    const result = await build.result;
    expect(result).toMatchObject({ status: "failed" });
    expect(result.status === "failed" && result.message).toMatch(/"..\/escape" has a ".." path component/);
    await expect.poll(() => logs.some((l) => l.startsWith(`build ${buildId} app=hello failed in `))).toBe(true);
  }, 20_000);
});
