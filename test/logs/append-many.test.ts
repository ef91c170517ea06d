// Many lines of one app in one command, on the platform's real Redis: every line arrives in
// order as its own entry with its own source and dyno, runs of the same source travelling
// joined; a newline inside a line cannot split it into two entries. Lines keep the microseconds
// of Redis's clock as they were stored, which logplex's format shows.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redisUrl } from "../../platform/lib/config.ts";
import { type LogLine, appendApiEvent, appendLog, deleteLogs, formatLogLine, queueLogEntries, readLogs } from "../../platform/logs/index.ts";

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

  it("writes the API's events as app[api] lines, several in one command, each by its user", async () => {
    const other = `${app}-api`;
    try {
      await appendApiEvent(redis, other, ["Deploy 0123abcd", "Release v3 created"], "ann@example.com");
      await appendApiEvent(redis, other, "Restart web", null);
      const lines: LogLine[] = [];
      await readLogs(redis, other, { lines: 100, tail: false }, (l) => lines.push(l), new AbortController().signal);
      expect(lines.map((l) => formatLogLine(l).replace(/^\S+ /, ""))).toEqual([
        "app[api]: Deploy 0123abcd by user ann@example.com",
        "app[api]: Release v3 created by user ann@example.com",
        "app[api]: Restart web",
      ]);
    } finally {
      await deleteLogs(redis, other);
    }
  });

  it("keeps each line's microseconds: a line reads 2026-01-02T03:04:05.678901+00:00, its time to the microsecond", async () => {
    const other = `${app}-us`;
    try {
      const before = Date.now();
      // One at a time, and a batch: 40 stores, whose microseconds cannot all be a whole millisecond's.
      for (let i = 0; i < 30; i++) await appendLog(redis, other, { source: "app", dyno: "web.1", line: `line ${i}` });
      for (let i = 0; i < 10; i++) await queueLogEntries(redis.pipeline(), other, [{ source: "router", dyno: "router", line: `batch ${i}` }]).exec();
      const lines: LogLine[] = [];
      await readLogs(redis, other, { lines: 100, tail: false }, (l) => lines.push(l), new AbortController().signal);
      expect(lines).toHaveLength(40);
      const stamps = lines.map((l) => /^(\S+) /.exec(formatLogLine(l))![1]!);
      for (const stamp of stamps) expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      expect(new Set(stamps.map((s) => s.slice(23, 26))).size).toBeGreaterThan(1);
      // In order and in time: each no earlier than the one before, none before the first was written.
      const micros = stamps.map((s) => Date.parse(s.slice(0, 23) + "Z") * 1000 + Number(s.slice(23, 26)));
      expect(micros).toEqual([...micros].sort((a, b) => a - b));
      expect(micros[0]! / 1000).toBeGreaterThanOrEqual(before - 5);
    } finally {
      await deleteLogs(redis, other);
    }
  });
});
