// Locks between processes on a real PostgreSQL (a throwaway database): one holder at a time, a
// lost session gives its locks up, and a session back in the pool is never given back twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, sessionLocks } from "../../platform/db/index.ts";
import { throwawayDatabase } from "../support/database.ts";
import { eventually } from "../support/platform.ts";

let database: { db: Db; drop: () => Promise<void> } | undefined;
const db = () => database!.db;

/** Ends every other session on the test's database, as a PostgreSQL restart would. */
async function endOtherSessions() {
  await db().query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
}

beforeAll(async () => {
  database = await throwawayDatabase("ouro_locks_test");
});
afterAll(async () => {
  await database?.drop();
});

describe("session locks", () => {
  it("lets one holder at a time take a lock, and the next once it is released", async () => {
    const [a, b] = [sessionLocks(db(), () => {}), sessionLocks(db(), () => {})];
    expect(await a.tryLock("app-1")).toBe(true);
    expect(await b.tryLock("app-1")).toBe(false);
    expect(await b.tryLock("app-2")).toBe(true);
    await a.unlock("app-1");
    expect(await b.tryLock("app-1")).toBe(true);
    await b.unlock("app-1");
    await b.unlock("app-2");
  });

  it("a session lost while it holds a lock gives the lock up, and the holder goes on", async () => {
    const lines: string[] = [];
    const a = sessionLocks(db(), (line) => lines.push(line));
    expect(await a.tryLock("app-3")).toBe(true);
    await endOtherSessions();
    await eventually("the loss to be noticed", async () => (lines.some((l) => l.startsWith("locks: session lost")) ? true : undefined), 5_000);
    expect(await sessionLocks(db(), () => {}).tryLock("app-3")).toBe(true);
    // Releasing on a new session is harmless.
    await a.unlock("app-3");
  });

  it("a session given back to the pool is not given back again when its connection later fails", async () => {
    const lines: string[] = [];
    const a = sessionLocks(db(), (line) => lines.push(line));
    expect(await a.tryLock("app-4")).toBe(true);
    await a.unlock("app-4");
    // The idle pooled connection dies: the pool's concern, not the locks' (before, this threw
    // "Release called on client which has already been released" and ended the dyno manager).
    await endOtherSessions();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines).toEqual([]);
    expect(await a.tryLock("app-4")).toBe(true);
    await a.unlock("app-4");
  });
});
