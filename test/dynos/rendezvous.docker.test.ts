// Attached one-off dynos on the real Docker engine: a dyno manager of the test's own (its own
// namespace, a throwaway database) with its rendezvous server on a free port and a certificate
// in a temporary data dir, spoken to as heroku's CLI speaks it (TLS, the secret and CRLF, raw
// bytes). Without a terminal: stdin through to its end, output, the exit code recorded before
// the connection closes. With one: the size asked for, resizes (the newest wins), Ctrl-C. Refused without a
// byte: a wrong secret, a used one, a late one (and that run is finished, never started). A
// client with a terminal that leaves has its dyno stopped; a time limit stops a dyno; the logs
// say why.
import { randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TLSSocket, connect } from "node:tls";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDirectory } from "../../apps/builder/slug.ts";
import { createBlobStore } from "../../platform/blobs/index.ts";
import { type Db, claimAttachment, createApp, createRelease, createRun, createSlug, ensureUser, getRun } from "../../platform/db/index.ts";
import { createDynoManager } from "../../platform/dynos/manager.ts";
import { createRendezvous } from "../../platform/dynos/rendezvous.ts";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { ensureRendezvousCert } from "../../platform/lib/rendezvous-cert.ts";
import { RENDEZVOUS_ACK, exitStatusLine, hashAttachSecret, newAttachSecret } from "../../platform/lib/run-contract.ts";
import { deleteLogs, readLogs } from "../../platform/logs/index.ts";
import { throwawayDatabase } from "../support/database.ts";
import { removeNamespace, testAppNetworks } from "../support/dynos.ts";
import { eventually, removeDir, uniqueName } from "../support/platform.ts";
import { createDynoFs } from "../../platform/dynos/dyno-fs.ts";

const STACK_IMAGE = loadConfig().stackImage;
const namespace = `test-${randomBytes(4).toString("hex")}`;

let database: { db: Db; drop: () => Promise<void> } | undefined;
let redis: Redis | undefined;
let docker: Docker;
let dir = "";
let port = 0;
let app = { id: "", name: "" };
let manager: ReturnType<typeof createDynoManager>;
let rendezvous: ReturnType<typeof createRendezvous> | undefined;
const managerLog: string[] = [];
const db = () => database!.db;

beforeAll(async () => {
  docker = new Docker();
  database = await throwawayDatabase("ouro_rendezvous_test");
  redis = new Redis(redisUrl(loadConfig()));
  dir = mkdtempSync(join(tmpdir(), "ouro-rendezvous-"));
  mkdirSync(join(dir, "app"));
  await packDirectory({ dir: join(dir, "app"), out: join(dir, "slug.tgz") });
  const blobs = createBlobStore(join(dir, "blobs"));
  const slug = await blobs.put(createReadStream(join(dir, "slug.tgz")));
  const user = await ensureUser(db(), `rendezvous-${namespace}@example.com`);
  const made = await createApp(db(), { name: uniqueName("attach"), ownerId: user.id });
  app = { id: made.id, name: made.name };
  const slugRow = await createSlug(db(), {
    app_id: app.id, checksum: slug.checksum, size: slug.size, process_types: {}, commit: null, stack: "bookworm", buildpack_description: null,
  });
  await createRelease(db(), { appId: app.id, slugId: slugRow.id, description: "Deploy", userId: user.id });
  manager = createDynoManager({
    docker,
    db: db(),
    redis: redis,
    stackImage: STACK_IMAGE,
    slugPath: (checksum) => blobs.path(checksum),
    dynoFs: createDynoFs(join(dir, "dyno-fs")),
    namespace,
    appNetworks: testAppNetworks({ docker, db, namespace }),
    log: (line) => managerLog.push(line),
  });
  rendezvous = createRendezvous({
    tls: ensureRendezvousCert(join(dir, "data")),
    claim: (hash) => claimAttachment(db(), hash),
    onAttach: (run, socket) => manager.attach(run, socket),
    log: (line) => managerLog.push(line),
    handshakeMs: 2_000,
  });
  port = await rendezvous.listen(0, "127.0.0.1");
});

afterAll(async () => {
  await rendezvous?.close();
  if (docker) await removeNamespace(docker, namespace);
  if (redis) {
    await deleteLogs(redis, app.name);
    redis.disconnect();
  }
  await database?.drop();
  if (dir) removeDir(dir);
});

/** An attached run as the API makes one: its secret, given to the test, kept hashed. */
async function attachedRun(command: string, opts: { tty?: boolean; columns?: number; lines?: number } = {}) {
  const secret = newAttachSecret();
  const size = opts.columns && opts.lines ? { columns: opts.columns, lines: opts.lines } : undefined;
  const run = await createRun(db(), {
    appId: app.id,
    type: "run",
    command,
    attach: { secretHash: hashAttachSecret(secret), tty: opts.tty ?? false, ...(size ? { size } : {}) },
  });
  return { run, secret };
}

/** A client as heroku's CLI is one: TLS, the secret and CRLF, then whatever comes back. */
function client(secret: string) {
  const socket: TLSSocket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  socket.on("error", () => {});
  socket.once("secureConnect", () => socket.write(`${secret}\r\n`));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    socket,
    closed,
    output: () => received,
    /** Resolves once the output has `text` in it. */
    saw: (text: string) => eventually(`"${text}" from the dyno`, async () => (received.includes(text) ? true : undefined), 15_000),
  };
}

async function logLines(name: string) {
  const lines: string[] = [];
  await readLogs(redis!, name, { lines: 1500, tail: false }, (l) => lines.push(`${l.source}[${l.dyno}]: ${l.line}`), new AbortController().signal);
  return lines;
}

const dynoContainers = async (runId: string) =>
  docker.listContainers({ all: true, filters: { label: [`ouro.namespace=${namespace}`, `ouro.run=${runId}`] } });

describe("attached one-off dynos", () => {
  it("without a terminal: stdin to its end, stdout and stderr, and the exit code recorded before the connection closes", async () => {
    const { run, secret } = await attachedRun("cat; echo to-stderr >&2; exit 5");
    // Nothing starts before the client is there.
    await manager.reconcileApp(app.name);
    expect(await dynoContainers(run.id)).toEqual([]);
    const c = client(secret);
    await c.saw(RENDEZVOUS_ACK);
    c.socket.end("hello\nworld\n");
    await c.closed;
    // The session ends with the exit status as heroku's CLI reads it.
    expect(c.output()).toBe(`${RENDEZVOUS_ACK}hello\nworld\nto-stderr\n${exitStatusLine(5)}`);
    expect(await getRun(db(), run.id)).toMatchObject({ state: "complete", exit_code: 5 });
    expect(await logLines(app.name)).toContain(`ouro[run.${run.number}]: Process exited with status 5`);
    // The session's output went to its client only, never to the app's logs.
    expect((await logLines(app.name)).some((l) => l.includes("hello"))).toBe(false);
    await eventually("the dyno's container removed", async () => ((await dynoContainers(run.id)).length === 0 ? true : undefined), 5_000);
  });

  it("with a terminal: its size from the start, a resize, and Ctrl-C interrupting the foreground process", async () => {
    const { run, secret } = await attachedRun("stty size; read line; stty size; echo waiting; sleep 100", { tty: true, columns: 91, lines: 33 });
    const c = client(secret);
    await c.saw("33 91");
    await eventually("the session's container", async () => ((await dynoContainers(run.id)).length ? true : undefined), 5_000);
    // Resizes that come at once (as `stty cols 120 rows 40` sends two) end at the newest size.
    const sizes = [[100, 30], [110, 35], [120, 33], [120, 40]].map(([columns, lines]) => manager.resizeRun(run.id, { columns: columns!, lines: lines! }));
    await Promise.all(sizes);
    c.socket.write("\r");
    await c.saw("40 120");
    await c.saw("waiting");
    c.socket.write("\x03");
    await c.closed;
    expect(c.output()).toContain("^C");
    // bash was interrupted by SIGINT from its terminal: 128 + 2.
    expect(await getRun(db(), run.id)).toMatchObject({ state: "complete", exit_code: 130 });
  });

  it("refuses a wrong secret, a used one and a late one with no byte; a run nobody attached to in time never starts", async () => {
    const wrong = client(newAttachSecret());
    await wrong.closed;
    expect(wrong.output()).toBe("");

    const { run, secret } = await attachedRun("echo once");
    const first = client(secret);
    await first.closed;
    expect(first.output()).toBe(`${RENDEZVOUS_ACK}once\n${exitStatusLine(0)}`);
    const again = client(secret);
    await again.closed;
    expect(again.output()).toBe("");

    const late = await attachedRun("echo never");
    await db().query("UPDATE runs SET attach_deadline = now() - interval '1 second' WHERE id = $1", [late.run.id]);
    const tooLate = client(late.secret);
    await tooLate.closed;
    expect(tooLate.output()).toBe("");
    await manager.reconcileApp(app.name);
    expect(await getRun(db(), late.run.id)).toMatchObject({ state: "complete", exit_code: null });
    expect(await dynoContainers(late.run.id)).toEqual([]);
    expect(await logLines(app.name)).toContain(`ouro[run.${late.run.number}]: No client attached within a minute: the dyno never started`);
    // No secret reaches the manager's log.
    expect(managerLog.join("\n")).not.toContain(secret);
    expect(run.state).toBe("pending");
  });

  it("stops the dyno of a client with a terminal that left, and the logs say why", async () => {
    const { run, secret } = await attachedRun("echo up; exec sleep 100", { tty: true });
    const c = client(secret);
    await c.saw("up");
    c.socket.destroy();
    const done = await eventually("the run finished", async () => {
      const row = await getRun(db(), run.id);
      return row.state === "complete" ? row : undefined;
    }, 15_000);
    expect(done.exit_code).toBe(143);
    expect(await logLines(app.name)).toContain(`ouro[run.${run.number}]: Client disconnected: Stopping process with SIGTERM (SIGKILL after 30 s)`);
  });

  it("stops a one-off dyno at its time limit (SIGTERM), without waiting for the steady tick", async () => {
    const run = await createRun(db(), { appId: app.id, type: "run", command: "exec sleep 100", timeToLive: 2 });
    const started = Date.now();
    await manager.reconcileApp(app.name);
    const running = await getRun(db(), run.id);
    expect(running.state).toBe("running");
    expect(running.expires_at!.getTime() - running.updated_at.getTime()).toBeGreaterThan(1_500);
    const done = await eventually("the run finished", async () => {
      const row = await getRun(db(), run.id);
      return row.state === "complete" ? row : undefined;
    }, 15_000);
    expect(done.exit_code).toBe(143);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(await logLines(app.name)).toEqual(
      expect.arrayContaining([
        `ouro[run.${run.number}]: Time limit of 2s reached: Stopping process with SIGTERM (SIGKILL after 30 s)`,
        `ouro[run.${run.number}]: Process exited with status 143`,
      ]),
    );
    await eventually("the dyno's container removed", async () => ((await dynoContainers(run.id)).length === 0 ? true : undefined), 5_000);
  });
});
