// Many lines of one app in one command, on the platform's real Redis: every line arrives in
// order as its own entry with its own source and dyno, runs of the same source travelling
// joined; a newline inside a line cannot split it into two entries.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { type LogLine, deleteLogs, queueLogEntries, readLogs } from "../../platform/logs/index.ts";

describe("queueLogEntries", () => {
  let redis: Redis;
  const app = `logs-many-${randomBytes(4).toString("hex")}`;
  beforeAll(() => {
    redis = new Redis(redisUrl(loadConfig()));
  });
  afterAll(async () => {
    await deleteLogs(redis, app);
    redis.disconnect();
  });

  it("appends each line as an entry, in order, with its source and dyno", async () => {
    const entries = [
      { source: "router", dyno: "router", line: "at=info one" },
      { source: "router", dyno: "router", line: "at=info two" },
      { source: "app", dyno: "web.1", line: "printed" },
      { source: "router", dyno: "router", line: "" },
      { source: "router", dyno: "router", line: "three\nstill three" },
    ];
    await queueLogEntries(redis.pipeline(), app, entries).exec();
    const lines: LogLine[] = [];
    await readLogs(redis, app, { lines: 100, tail: false }, (l) => lines.push(l), new AbortController().signal);
    expect(lines.map(({ source, dyno, line }) => ({ source, dyno, line }))).toEqual([
      ...entries.slice(0, 4),
      { source: "router", dyno: "router", line: "three still three" },
    ]);
  });
});
