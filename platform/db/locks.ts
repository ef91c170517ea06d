// Named locks between processes, as PostgreSQL advisory locks held by one session of their
// own. The session ends with the process that holds it, so a process killed with SIGKILL
// leaves no lock behind: another takes it at once, with no lease to wait out.
import type pg from "pg";
import { serial } from "../lib/serial.ts";
import type { Db } from "./pool.ts";

export interface SessionLocks {
  /** Takes the lock if no other session holds it; never waits. */
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
}

/**
 * Every lock of one process lives on one connection of the pool, taken when the first lock is
 * and given back once none is held (so an idle process holds no connection).
 */
export function sessionLocks(db: Db, log: (line: string) => void): SessionLocks {
  let session: Promise<pg.PoolClient> | undefined;
  /** Locks held or being asked for: the session stays while any is. */
  let users = 0;

  // A lost session lost its locks with it: the next tryLock opens a new one and takes them anew.
  // Each client goes back to the pool exactly once: on its error, or once no lock is held.
  function client(): Promise<pg.PoolClient> {
    if (session) return session;
    const opening = db.connect().then((c) => {
      let released = false;
      const giveBack = (error?: Error) => {
        if (released) return;
        released = true;
        c.off("error", lost);
        c.release(error);
      };
      const lost = (error: Error) => {
        log(`locks: session lost, its locks are gone: ${error.message}`);
        if (session === opening) session = undefined;
        giveBack(error);
      };
      c.on("error", lost);
      returns.set(c, giveBack);
      return c;
    });
    session = opening;
    opening.catch(() => {
      if (session === opening) session = undefined;
    });
    return opening;
  }
  const returns = new WeakMap<pg.PoolClient, (error?: Error) => void>();

  // One query at a time on the session, in the order asked (a pg client must not be given two at once).
  const oneAtATime = serial();
  const query = (sql: string, name: string) => oneAtATime(async () => (await client()).query<{ ok: boolean }>(sql, [name]));

  function done() {
    users -= 1;
    if (users > 0 || !session) return;
    const idle = session;
    session = undefined;
    idle.then((c) => returns.get(c)?.(), () => {});
  }

  return {
    async tryLock(name) {
      users += 1;
      try {
        const result = await query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", name);
        if (result.rows[0]!.ok) return true;
      } catch (error) {
        done();
        throw error;
      }
      done();
      return false;
    },
    async unlock(name) {
      try {
        await query("SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS ok", name);
      } finally {
        done();
      }
    },
  };
}
