// The stack image: built once from Debian packages, reused while its recipe and
// the operator's CA bundle stay the same.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run, step, succeeds } from "./shell.ts";

const SCRIPT = fileURLToPath(new URL("../stack/build-stack.sh", import.meta.url));

export function ensureStackImage(image: string, caBundle: string): void {
  const digest = createHash("sha256")
    .update(readFileSync(SCRIPT))
    .update(existsSync(caBundle) ? readFileSync(caBundle) : "")
    .digest("hex")
    .slice(0, 16);
  if (succeeds("docker", ["image", "inspect", image])) {
    const label = run("docker", ["image", "inspect", image, "--format", '{{index .Config.Labels "ouro.stack.source"}}'], { quiet: true }).trim();
    if (label === digest) return;
  }
  step(`Building the stack image ${image} from Debian packages (debootstrap, about a minute)`);
  run("bash", [SCRIPT, image, caBundle], { env: { ...process.env, OURO_STACK_SOURCE_DIGEST: digest } });
}
