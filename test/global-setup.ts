// `npm test` starts what it needs itself: when the platform is not answering,
// run the (idempotent) bootstrap first.
import { spawnSync } from "node:child_process";

export default async function setup(): Promise<void> {
  const port = process.env.OURO_API_PORT ?? "5000";
  const up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  if (up) return;
  const result = spawnSync("npm", ["run", "bootstrap"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm run bootstrap failed; the tests need a running platform");
}
