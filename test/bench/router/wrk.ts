// One load run with wrk (Debian's package): a fixed number of keep-alive connections for a
// fixed time, each sending its next request as soon as the last is answered, or a random 0 to
// 2 × `delayMs` after it (a moderate load, `delayMs` apart on average: connections that waited
// the same time would send in lockstep, every request of a round at once, which no real set of
// clients does). wrk's own Lua hooks pick the delays and print the summary as JSON.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Connection errors, timeouts and answers that were not 2xx or 3xx. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

const SUMMARY = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"us":%d,"errors":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
`;

export async function wrk(opts: { url: string; host: string; connections: number; seconds: number; delayMs?: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "ouro-wrk-"));
  try {
    const script = join(dir, "summary.lua");
    const delay = opts.delayMs ? `init = function() math.randomseed(os.time()) end\ndelay = function() return math.random(0, ${2 * opts.delayMs}) end\n` : "";
    writeFileSync(script, delay + SUMMARY);
    const args = ["-t1", `-c${opts.connections}`, `-d${opts.seconds}s`, "--timeout", "10s", "-H", `Host: ${opts.host}`, "-s", script, opts.url];
    const { stdout } = await promisify(execFile)("wrk", args, { maxBuffer: 1 << 20 });
    const json = stdout.split("\n").find((line) => line.startsWith("{"));
    if (!json) throw new Error(`wrk printed no summary:\n${stdout}`);
    const r = JSON.parse(json) as { requests: number; us: number; errors: number; p50: number; p99: number };
    return { requests: r.requests, seconds: r.us / 1e6, errors: r.errors, p50Ms: r.p50 / 1000, p99Ms: r.p99 / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
