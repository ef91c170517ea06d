// Which web dyno takes a request: the less loaded of two picked at random ("power of two
// choices"), load being requests in flight. It spreads like least-connections without every
// router sending the next request to the same idlest dyno, and costs two random numbers.
import type { Backend } from "./table.ts";

/**
 * A backend for the next attempt, never `tried`. Dynos set aside after a refused connection
 * are chosen only when nothing else is left: the table still says they are up.
 */
export function chooseBackend(backends: readonly Backend[], now: number, tried?: Backend, random: () => number = Math.random): Backend | undefined {
  const n = backends.length;
  if (n === 1 && tried === undefined && backends[0]!.setAsideUntil <= now) return backends[0];
  if (n >= 2) {
    // The usual case: two distinct random dynos, both usable.
    const i = Math.floor(random() * n);
    let j = Math.floor(random() * (n - 1));
    if (j >= i) j++;
    const x = backends[i]!;
    const y = backends[j]!;
    if (x !== tried && y !== tried && x.setAsideUntil <= now && y.setAsideUntil <= now) return y.inFlight < x.inFlight ? y : x;
  }
  let a: Backend | undefined;
  let b: Backend | undefined;
  let fallback: Backend | undefined;
  let seen = 0;
  // Otherwise one pass: a and b are two distinct uniform picks among the available (reservoir sampling).
  for (const backend of backends) {
    if (backend === tried) continue;
    if (backend.setAsideUntil > now) {
      if (!fallback || backend.setAsideUntil < fallback.setAsideUntil) fallback = backend;
      continue;
    }
    seen++;
    if (seen === 1) a = backend;
    else if (seen === 2) {
      if (random() < 0.5) b = backend;
      else [a, b] = [backend, a];
    } else {
      const r = Math.floor(random() * seen);
      if (r === 0) a = backend;
      else if (r === 1) b = backend;
    }
  }
  if (!a) return fallback;
  if (!b) return a;
  return b.inFlight < a.inFlight ? b : a;
}
