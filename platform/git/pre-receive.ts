// git's pre-receive hook for app repositories. Runs inside `git receive-pack`
// (so the pushed objects are visible, still in quarantine); whatever it prints
// reaches the pusher as `remote:` lines, and a non-zero exit rejects the push.
import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { createInterface } from "node:readline";

const DEPLOY_BRANCHES = new Set(["refs/heads/main", "refs/heads/master"]);
const ZERO = /^0+$/;
const env = (name: string) => process.env[name] ?? "";

async function main(): Promise<number> {
  const updates: { sha: string; ref: string }[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const [, sha, ref] = line.split(" ");
    if (sha && ref) updates.push({ sha, ref });
  }
  const deploy = updates.find((u) => DEPLOY_BRANCHES.has(u.ref) && !ZERO.test(u.sha));
  if (!deploy) {
    console.log("Ouro builds pushes to main (or master); nothing to build in this push.");
    return 0;
  }
  const api = env("OURO_API_URL");
  const app = env("OURO_APP");
  const headers = { Authorization: `Bearer ${env("OURO_HOOK_TOKEN")}` };
  const archive = spawn("git", ["archive", "--format=tar", deploy.sha], { stdio: ["ignore", "pipe", "inherit"] });
  // The pusher and their address are part of what the hook token signs (git/hook-routes.ts).
  const pusher = new URLSearchParams({ user: env("OURO_USER_ID"), address: env("OURO_PUSH_ADDRESS") });
  const params = new URLSearchParams({ version: deploy.sha, ...Object.fromEntries(pusher) });
  const started = await fetch(`${api}/internal/git/${app}/builds?${params}`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/x-tar" },
    body: Readable.toWeb(archive.stdout) as ReadableStream,
    duplex: "half",
  } as RequestInit);
  if (!started.ok) {
    console.log(` !     ${((await started.json()) as { message?: string }).message ?? started.statusText}`);
    return 1;
  }
  const { id } = (await started.json()) as { id: string };
  const events = await fetch(`${api}/internal/git/${app}/builds/${id}/events?${pusher}`, { headers });
  let outcome = { ok: false, message: "the build's event stream ended early" };
  for await (const line of createInterface({ input: Readable.fromWeb(events.body as never) })) {
    if (!line) continue;
    const event = JSON.parse(line) as { type: string; text?: string; ok?: boolean; message?: string };
    if (event.type === "line") console.log(event.text);
    else outcome = { ok: Boolean(event.ok), message: event.message ?? "" };
  }
  if (!outcome.ok) console.log(` !     Push rejected: ${outcome.message}`);
  return outcome.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.log(` !     Push failed inside Ouro: ${error.message}`);
    process.exit(1);
  },
);
