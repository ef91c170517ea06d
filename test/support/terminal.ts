// A child process's output gathered as it comes (a CLI in a terminal made by script(1), say),
// with a wait for what it prints and for its exit.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { eventually } from "./platform.ts";

export function started(child: ChildProcessWithoutNullStreams) {
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    /** Resolves once the output matches `pattern`. */
    saw: (pattern: RegExp, timeoutMs = 20_000) =>
      eventually(`${pattern} in the output`, async () => (pattern.test(output) ? true : undefined), timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}; the output so far:\n${output}`);
      }),
  };
}
