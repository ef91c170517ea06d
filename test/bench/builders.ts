// Build scale-out: with the builder at worker=2, two pushes of different apps at
// once, against one push alone. Caches are warmed first so the registry is out of
// the measurement, and each measured push is made EDIT_SECONDS after the one before it ended (the
// platform at rest, as when a developer makes a change). Prints both times and the ratio (the
// target is at most 1.3).
//   npm run bench:builders
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, checkout, eventually, git, removeDir, uniqueName } from "../support/platform.ts";

interface Dyno { type: string; state: string }

async function scaleBuilder(quantity: number) {
  await api("PATCH", "/apps/builder/formation", { updates: [{ type: "worker", quantity }] });
  await eventually(`${quantity} builder workers up`, async () => {
    const up = (await api<Dyno[]>("GET", "/apps/builder/dynos")).body.filter((d) => d.type === "worker" && d.state === "up");
    return up.length === quantity ? up : undefined;
  }, 120_000);
}

function change(dir: string, marker: string) {
  const server = join(dir, "server.js");
  writeFileSync(server, `${readFileSync(server, "utf8")}\n// ${marker}\n`);
  git(dir, "commit", "-q", "-am", marker);
}

function push(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    import("node:child_process").then(({ spawn }) => {
      const child = spawn("git", ["-C", dir, "push", "-q", "ouro", "main"], { stdio: "ignore" });
      child.on("exit", (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`push failed in ${dir}`))));
    });
  });
}

const EDIT_SECONDS = 5;
const edit = () => new Promise((resolve) => setTimeout(resolve, EDIT_SECONDS * 1000));

const names = [uniqueName("bench-a"), uniqueName("bench-b")];
const dirs: string[] = [];
const before = (await api<{ type: string; quantity: number }[]>("GET", "/apps/builder/formation")).body.find((f) => f.type === "worker")?.quantity ?? 1;
try {
  for (const name of names) {
    await api("POST", "/apps", { name });
    dirs.push(checkout("hello-express", name));
  }
  await scaleBuilder(2);
  await Promise.all(dirs.map(push)); // warm both build caches
  await edit();
  change(dirs[0]!, "alone");
  const alone = await push(dirs[0]!);
  await edit();
  dirs.forEach((dir, i) => change(dir, `together ${i}`));
  const together = Math.max(...(await Promise.all(dirs.map(push))));
  console.log(`one push alone:           ${alone.toFixed(1)} s`);
  console.log(`two pushes at once (max): ${together.toFixed(1)} s`);
  console.log(`ratio: ${(together / alone).toFixed(2)} (target <= 1.3)`);
} finally {
  for (const name of names) await api("DELETE", `/apps/${name}`);
  dirs.forEach(removeDir);
  await scaleBuilder(before);
}
