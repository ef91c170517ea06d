// Deploy speed: time from `git push` to the first 200 from the new release, for
// a first push (empty build cache) and a second push of a changed commit (warm
// cache), made EDIT_SECONDS after the first one served (a one-line change takes a developer
// longer: the platform settles meanwhile, old dynos stopped and a build dyno standing by for
// the app's next build). Prints both and their ratio. Needs a running platform (npm run bootstrap).
//   npm run bench:deploy
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { api, checkout, git, removeDir, uniqueName, viaRouter } from "../support/platform.ts";

async function timeDeploy(dir: string, app: string, expected: string): Promise<number> {
  const started = performance.now();
  const push = git(dir, "push", "-q", "ouro", "main");
  if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
  for (;;) {
    const res = await viaRouter(app).catch(() => undefined);
    if (res?.status === 200 && res.body.includes(expected)) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const EDIT_SECONDS = 5;

const app = uniqueName("bench");
await api("POST", "/apps", { name: app });
const dir = checkout("hello-express", app);
try {
  const first = await timeDeploy(dir, app, "Hello from");
  await new Promise((resolve) => setTimeout(resolve, EDIT_SECONDS * 1000));
  const server = join(dir, "server.js");
  writeFileSync(server, readFileSync(server, "utf8").replace("Hello from", "Howdy from"));
  git(dir, "commit", "-q", "-am", "change the greeting");
  const second = await timeDeploy(dir, app, "Howdy from");
  console.log(`first push  (cold cache): ${first.toFixed(1)} s to the first 200`);
  console.log(`second push (warm cache): ${second.toFixed(1)} s to the first 200 (made ${EDIT_SECONDS} s after the first served)`);
  console.log(`second / first: ${(second / first).toFixed(2)}`);
} finally {
  await api("DELETE", `/apps/${app}`);
  removeDir(dir);
}
