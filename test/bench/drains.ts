// Log drains under a burst (needs the platform's Redis: npm run bootstrap first). One dyno's
// 10,000 lines in a second, written to its app's log as the dyno manager writes them (a line at a
// time), forwarded by platform/logs' drain forwarder to a syslog receiver on 127.0.0.1; against the
// same 10,000 messages written straight to a receiver over TCP. Prints lines delivered (target: all
// of them, since the forwarder keeps up within the log's window) and the time from the last line
// written to the last line received, for both.
//   npm run bench:drains [-- --lines 10000 --seconds 1 --rounds 3]
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { LOG_WINDOW, appendLog, createDrainForwarder, deleteLogs, framed, syslogMessage } from "../../platform/logs/index.ts";
import { syslogReceiver } from "../support/syslog.ts";

const { values: args } = parseArgs({
  options: { lines: { type: "string", default: "10000" }, seconds: { type: "string", default: "1" }, rounds: { type: "string", default: "3" } },
});
const lines = Number(args.lines);
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Writes `lines` lines over `seconds`, in steps of 10 ms; resolves with when the last was written. */
async function paced(write: (i: number) => Promise<void>): Promise<number> {
  const perStep = Math.ceil(lines / (seconds * 100));
  const start = performance.now();
  for (let i = 0; i < lines; i += perStep) {
    for (let j = i; j < Math.min(lines, i + perStep); j++) await write(j);
    const due = start + ((i + perStep) / lines) * seconds * 1000;
    if (due > performance.now()) await sleep(due - performance.now());
  }
  return performance.now();
}

/** Waits until `count` lines came or nothing new came for 5 s; the time of the last arrival. */
async function arrivals(count: () => number): Promise<number> {
  let seen = -1;
  let at = performance.now();
  while (count() < lines && performance.now() - at < 5_000) {
    if (count() !== seen) {
      seen = count();
      at = performance.now();
    }
    await sleep(5);
  }
  return count() === seen ? at : performance.now();
}

async function throughDrain(redis: Redis): Promise<{ delivered: number; afterMs: number }> {
  const app = `bench-drains-${randomBytes(4).toString("hex")}`;
  const receiver = await syslogReceiver();
  const forwarder = createDrainForwarder({ redis, log: () => {}, drains: async () => [{ id: "bench", app, url: `syslog://127.0.0.1:${receiver.port}`, token: "d.bench" }] });
  try {
    await forwarder.start();
    const lastWritten = await paced((i) => appendLog(redis, app, { source: "app", dyno: "web.1", line: `line ${i}` }));
    const lastCame = await arrivals(() => receiver.messages().length);
    return { delivered: new Set(receiver.messages()).size, afterMs: lastCame - lastWritten };
  } finally {
    forwarder.stop();
    await receiver.close();
    await deleteLogs(redis, app);
  }
}

async function direct(): Promise<{ delivered: number; afterMs: number }> {
  const receiver = await syslogReceiver();
  const socket = connect({ host: "127.0.0.1", port: receiver.port });
  await new Promise((resolve) => socket.once("connect", resolve));
  try {
    const lastWritten = await paced(async (i) => {
      socket.write(framed(syslogMessage("d.bench", { at: new Date(), source: "app", dyno: "web.1", line: `line ${i}` })));
    });
    const lastCame = await arrivals(() => receiver.messages().length);
    return { delivered: receiver.messages().length, afterMs: lastCame - lastWritten };
  } finally {
    socket.destroy();
    await receiver.close();
  }
}

const redis = new Redis(redisUrl(loadConfig()), { maxRetriesPerRequest: 1 });
await redis.ping().catch((error: Error) => {
  console.error(`bench:drains needs the platform's Redis (npm run bootstrap): ${error.message}`);
  process.exit(1);
});
const drained: { delivered: number; afterMs: number }[] = [];
const straight: { delivered: number; afterMs: number }[] = [];
for (let round = 1; round <= rounds; round++) {
  straight.push(await direct());
  drained.push(await throughDrain(redis));
  console.error(`round ${round}: drain ${drained.at(-1)!.delivered}/${lines} (+${drained.at(-1)!.afterMs.toFixed(0)} ms), direct ${straight.at(-1)!.delivered}/${lines} (+${straight.at(-1)!.afterMs.toFixed(0)} ms)`);
}
redis.disconnect();

const lost = Math.max(...drained.map((d) => lines - d.delivered));
const drainAfter = median(drained.map((d) => d.afterMs));
const directAfter = median(straight.map((d) => d.afterMs));
console.log(`Log drains: ${lines} lines in ${seconds} s from one dyno, median of ${rounds} rounds (the log's window: ${LOG_WINDOW} lines)`);
console.log(`  through the drain forwarder: ${Math.min(...drained.map((d) => d.delivered))}/${lines} delivered in the worst round; the last ${drainAfter.toFixed(0)} ms after it was written`);
console.log(`  straight over TCP:           ${Math.min(...straight.map((d) => d.delivered))}/${lines}; the last ${directAfter.toFixed(0)} ms after it was written`);
console.log(`  lines lost: ${lost} (target 0) ${lost === 0 ? "met" : "NOT met"}`);
process.exit(lost === 0 && straight.every((d) => d.delivered === lines) ? 0 : 1);
