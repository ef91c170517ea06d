// Constant load through the router, for tests that change an app while it serves: a few
// keep-alive connections each sending GET / one after another, bounded in count and time,
// counting every answer that is not a 200 and every error, by kind.
import http from "node:http";
import { routerPort } from "./platform.ts";

export interface LoadTally {
  ok: number;
  failed: number;
  /** `status 502`, `ECONNRESET`…, with how many of each. */
  failures: Record<string, number>;
  /** The distinct bodies seen (the fixture answers with its dyno's name and greeting). */
  bodies: Set<string>;
}

export function constantLoad(opts: { app: string; connections?: number; maxRequests?: number; maxMs?: number }) {
  const connections = opts.connections ?? 8;
  const maxRequests = opts.maxRequests ?? 200_000;
  const deadline = Date.now() + (opts.maxMs ?? 180_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const tally: LoadTally = { ok: 0, failed: 0, failures: {}, bodies: new Set() };
  let stopped = false;

  const fail = (kind: string) => {
    tally.failed += 1;
    tally.failures[kind] = (tally.failures[kind] ?? 0) + 1;
  };

  const once = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: routerPort, path: "/", headers: { Host: `${opts.app}.localhost` }, agent, timeout: 10_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          if (res.statusCode === 200) {
            tally.ok += 1;
            tally.bodies.add(body.trim());
          } else fail(`status ${res.statusCode}`);
          resolve();
        });
        res.on("error", (error: NodeJS.ErrnoException) => {
          fail(error.code ?? error.message);
          resolve();
        });
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "TIMEOUT" })));
      req.on("error", (error: NodeJS.ErrnoException) => {
        fail(error.code ?? error.message);
        resolve();
      });
    });

  const worker = async () => {
    while (!stopped && tally.ok + tally.failed < maxRequests && Date.now() < deadline) await once();
  };
  const done = Promise.all(Array.from({ length: connections }, worker));

  return {
    /** Stops sending, waits for the requests in flight, and gives the tally. */
    async stop(): Promise<LoadTally> {
      stopped = true;
      await done;
      agent.destroy();
      return tally;
    },
  };
}
