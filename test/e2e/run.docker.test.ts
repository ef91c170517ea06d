// `ouro run` as a user meets it, against the running platform (one push of the cron-app fixture,
// a Procfile only): under a terminal (`script` gives the CLI a pseudo-terminal, as a shell window
// would) it is bash in the app's dyno with the window's size, a resize reaches it, Ctrl-C stops
// the foreground command and not the session, and `exit 3` makes the CLI exit 3; with a pipe it
// passes stdin through and returns the exit code. The rendezvous port gives nothing to a wrong
// or used secret, and presents the certificate the API names; a second user can neither start
// nor find nor resize a dyno of the app. `run:detached --ttl 10s` shows when it expires, then is
// stopped at its limit with a line saying so in the logs, its output in the logs too.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, repoRoot } from "../../platform/lib/config.ts";
import { type RunResource, RENDEZVOUS_ACK, exitStatusLine, newAttachSecret, parseAttachUrl } from "../../platform/lib/run-contract.ts";
import { api, appWithCheckout, eventually, git, ouro } from "../support/platform.ts";
import { started } from "../support/terminal.ts";

const fixture = appWithCheckout("run", "cron-app");
const OURO = join(repoRoot, "bin", "ouro");
const rendezvousPort = loadConfig().rendezvousPort;

/** A child process whose output (stdout and stderr together) the test reads as it comes. */
/** heroku's client without heroku: TLS to the rendezvous port, a secret, and what comes back. */
function rendezvousClient(secret: string) {
  const socket = connect({ host: "127.0.0.1", port: rendezvousPort, rejectUnauthorized: false });
  let received = "";
  let certificate = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  socket.on("error", () => {});
  socket.once("secureConnect", () => {
    certificate = socket.getPeerCertificate().fingerprint256;
    socket.write(`${secret}\r\n`);
  });
  return new Promise<{ received: string; certificate: string }>((resolve) => socket.once("close", () => resolve({ received, certificate })));
}

describe("ouro run: attached one-off dynos", () => {
  let detached = "";

  beforeAll(() => {
    const push = git(fixture.dir, "push", "ouro", "main");
    expect(push.code, push.output).toBe(0);
  }, 300_000);

  it("run:detached --ttl 10s starts a dyno that the API and ps show with when it expires", async () => {
    const run = ouro(["run:detached", "--ttl", "10s", "--json", "-a", fixture.name, "--", "echo detached-output; exec sleep 100"]);
    expect(run.code, run.stderr).toBe(0);
    const made = JSON.parse(run.stdout) as RunResource;
    expect(made.time_to_live).toBe(10);
    detached = made.name;
    const started = await eventually("the detached dyno up, with its expiry", async () => {
      const now = (await api<RunResource>("GET", `/apps/${fixture.name}/dynos/${made.id}`)).body;
      return now.state === "up" && now.expires_at ? now : undefined;
    });
    // Ten seconds from its start (the dyno manager's clock, the database's: the same host).
    const limit = new Date(started.expires_at!).getTime() - new Date(started.updated_at).getTime();
    expect(Math.abs(limit - 10_000)).toBeLessThan(1_000);
    // `ps` lists it once the dyno manager has recorded it, before its limit.
    const line = new RegExp(`^${detached.replace(".", "\\.")} \\(Standard-1X\\): up .*: echo detached-output; exec sleep 100 \\(expires \\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\)$`, "m");
    await eventually("ps showing when it expires", async () => (line.test(ouro(["ps", "-a", fixture.name]).stdout) ? true : undefined), 8_000);
  });

  it("under a terminal: bash with the window's size, a resize, Ctrl-C for the foreground command, and `exit 3` as the CLI's exit code", async () => {
    const resized = join(tmpdir(), `ouro-resize-${randomBytes(4).toString("hex")}`);
    // The window is 91×33 from the start; once `resized` exists, it becomes 120×40 (SIGWINCH to the CLI).
    // (A background job's stdin is /dev/null: its stty names the terminal.)
    const inTerminal = `stty cols 91 rows 33; (while [ ! -e ${resized} ]; do sleep 0.1; done; stty cols 120 rows 40 < /dev/tty) & exec ${OURO} run -a ${fixture.name} bash`;
    const session = started(spawn("script", ["-qec", inTerminal, "/dev/null"], { env: { ...process.env, TERM: "xterm" } }));
    try {
      const type = (line: string) => session.child.stdin.write(`${line}\r`);
      await session.saw(/up, run\.\d+/);
      type("stty size");
      await session.saw(/^33 91\r?$/m);
      writeFileSync(resized, "");
      // On a timeout the terminal's output so far says whether the CLI saw the resize and what it got back.
      await eventually("the new size inside the dyno", async () => {
        type("stty size");
        await new Promise((resolve) => setTimeout(resolve, 300));
        return /^40 120\r?$/m.test(session.output()) ? true : undefined;
      }, 15_000).catch((error: Error) => {
        throw new Error(`${error.message}\n--- the terminal so far:\n${session.output()}`);
      });
      // Ctrl-C reaches the dyno's terminal: the command in the foreground gets SIGINT, the shell goes on.
      type("echo zz$((1+1)); sleep 100");
      await session.saw(/^zz2\r?$/m);
      session.child.stdin.write("\x03");
      type("echo status=$?");
      await session.saw(/status=130/);
      type("echo $DYNO; exit 3");
      expect(await session.exited).toBe(3);
      expect(session.output()).toMatch(/^run\.\d+\r?$/m);
    } finally {
      session.child.kill();
      rmSync(resized, { force: true });
    }
  }, 60_000);

  it("with a pipe: stdin through to its end, the output, and the exit code", async () => {
    const cat = spawn(OURO, ["run", "-a", fixture.name, "--", "cat; exit 5"]);
    let stdout = "";
    cat.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    cat.stdin.end("hi\n");
    const code = await new Promise<number | null>((resolve) => cat.once("close", resolve));
    expect(stdout).toBe("hi\n");
    expect(code).toBe(5);
  }, 30_000);

  it("gives a wrong or used secret nothing, and presents the certificate the API names", async () => {
    expect(await rendezvousClient(newAttachSecret())).toMatchObject({ received: "" });
    const made = await api<RunResource>("POST", `/apps/${fixture.name}/dynos`, { command: "echo attached", attach: true, force_no_tty: true });
    expect(made.status).toBe(201);
    const secret = parseAttachUrl(made.body.attach_url!)!.secret;
    const first = await rendezvousClient(secret);
    expect(first).toEqual({ received: `${RENDEZVOUS_ACK}attached\n${exitStatusLine(0)}`, certificate: made.body.attach_fingerprint });
    expect(await rendezvousClient(secret)).toMatchObject({ received: "" });
    // The secret was in that one answer only.
    expect((await api<RunResource>("GET", `/apps/${fixture.name}/dynos/${made.body.id}`)).body.attach_url).toBeNull();
  }, 30_000);

  describe("a second user", () => {
    const email = `run-${randomBytes(3).toString("hex")}@example.com`;
    let key = "";
    beforeAll(() => {
      const made = ouro(["users:create", email]);
      expect(made.code, made.stderr).toBe(0);
      key = /ouro_[0-9a-f]{48}/.exec(made.stdout)![0];
    });
    afterAll(() => {
      ouro(["users:remove", email, "--confirm", email]);
    });

    it("can neither start, find nor resize a dyno of the app", async () => {
      const run = ouro(["run", "-a", fixture.name, "--", "echo should-not-run"], undefined, key);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Couldn't find that app: ${fixture.name}.`);
      expect(run.stdout).not.toContain("should-not-run");
      const owners = await api<RunResource>("POST", `/apps/${fixture.name}/dynos`, { command: "sleep 5", attach: true });
      expect(owners.status).toBe(201);
      expect((await api("GET", `/apps/${fixture.name}/dynos/${owners.body.id}`, undefined, key)).status).toBe(404);
      expect((await api("POST", `/apps/${fixture.name}/dynos/${owners.body.id}/actions/resize`, { columns: 10, lines: 10 }, key)).status).toBe(404);
    });
  });

  it("stops the detached dyno at its time limit, says so in the logs, and removes it", async () => {
    const lines = await eventually("the time limit's lines in the logs", async () => {
      const logs = ouro(["logs", "-a", fixture.name, "-n", "1500", "-d", detached]).stdout;
      return /Process exited with status 143/.test(logs) ? logs : undefined;
    }, 30_000);
    expect(lines).toContain(`app[${detached}]: detached-output`);
    expect(lines).toContain(`ouro[${detached}]: Time limit of 10s reached: Stopping process with SIGTERM`);
    await eventually("the dyno gone from ps", async () => {
      const dynos = (await api<{ name: string }[]>("GET", `/apps/${fixture.name}/dynos`)).body;
      return dynos.some((d) => d.name === detached) ? undefined : true;
    }, 10_000);
  }, 40_000);
});
