// The builder's side of the /internal/builds/:id/* API: a build dyno's calls with its build's
// token, and the builder worker's calls (build dynos) with the builder token.
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { type BuildDyno, BuildDynoSchema, type BuildResult, type BuildSpec, BuildSpecSchema } from "./job.ts";
import { LAYER_CHALLENGE_HEADER, layerProof } from "../../platform/lib/build-contract.ts";
import { BuildError } from "./build-error.ts";
import { extractSource } from "./source.ts";
import { archiveGunzip } from "../../platform/lib/safe-extract.ts";

export interface BuildOutput {
  write(text: string): void;
  close(): Promise<void>;
}

export interface BuildApi {
  spec(): Promise<BuildSpec>;
  /** A Build API build from a URL: fetches what is there and hands it to the API, which keeps its tree. */
  fetchSource(url: string): Promise<void>;
  downloadSource(dir: string): Promise<void>;
  downloadCache(dir: string): Promise<boolean>; // false when the app has no cache yet
  uploadCache(file: string): Promise<void>;
  /**
   * Uploads a slug's layers, bottom first, the app's own last: each lower layer only when the
   * API lacks it for this app, and cannot take a proof that the build holds it (the API has it for
   * another app). Answers the checksum and size of the slug as one tarball.
   */
  uploadSlug(layers: { path: string; checksum: string }[]): Promise<{ checksum: string; size: number; layers?: string[] }>;
  openOutput(): BuildOutput;
  postResult(result: BuildResult): Promise<void>;
}

/** How long fetching a build's source from its URL may take. */
const SOURCE_FETCH_MS = 5 * 60_000;

/** Why a fetch failed, as undici says it: the cause (ECONNREFUSED, a DNS failure) when it has one. */
const fetchFailure = (error: unknown) => ((error as Error).cause ? String((error as Error).cause) : (error as Error).message);

/** A source URL as the build's output may show it: its query (a signature, a token) left out. */
export function sourceName(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
  } catch {
    return "its URL";
  }
}

export function createBuildApi(options: { apiUrl: string; buildId: string; token: string }): BuildApi {
  const base = `${options.apiUrl.replace(/\/+$/, "")}/internal/builds/${options.buildId}`;
  const auth = { authorization: `Bearer ${options.token}` };

  async function call(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${base}/${path}`, { method, ...init, headers: { ...auth, ...init.headers } });
    if (!response.ok && !(method === "GET" && path === "cache" && response.status === 404)) {
      const text = await response.text().catch(() => "");
      throw new Error(`${method} /internal/builds/${options.buildId}/${path} answered ${response.status} ${text}`.trim());
    }
    return response;
  }

  function streamBody(file: string): RequestInit {
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    return { body, duplex: "half", headers: { "content-type": "application/gzip" } } as RequestInit;
  }

  return {
    async spec() {
      const response = await call("GET", "spec");
      return BuildSpecSchema.parse(await response.json());
    },
    async fetchSource(url) {
      const where = sourceName(url);
      let source: Response;
      try {
        source = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(SOURCE_FETCH_MS) });
      } catch (error) {
        throw new BuildError(`Could not fetch the source from ${where}: ${fetchFailure(error)}.`);
      }
      if (!source.ok || !source.body) throw new BuildError(`Could not fetch the source from ${where}: it answered HTTP ${source.status}.`);
      let handed: Response;
      try {
        handed = await fetch(`${base}/source`, { method: "PUT", headers: auth, body: source.body, duplex: "half" } as RequestInit);
      } catch (error) {
        // The source's answer broke off, or took past its time, on its way through.
        throw new BuildError(`Could not fetch the source from ${where}: ${fetchFailure(error)}.`);
      }
      if (!handed.ok) {
        // The API's refusal is the owner's to fix (a checksum that differs, no tarball, too big).
        const { message } = (await handed.json().catch(() => ({}))) as { message?: string };
        throw new BuildError(`The source from ${where} was refused: ${message ?? `HTTP ${handed.status}`}`);
      }
    },
    async downloadSource(dir) {
      const response = await call("GET", "source");
      await extractSource(nodeStream(response), dir);
    },
    async downloadCache(dir) {
      const response = await call("GET", "cache");
      if (response.status === 404) return false;
      await extractSource(nodeStream(response).pipe(archiveGunzip()), dir);
      return true;
    },
    async uploadCache(file) {
      await call("PUT", "cache", streamBody(file));
    },
    async uploadSlug(layers) {
      const lowers = layers.slice(0, -1);
      await Promise.all(lowers.map(async (layer) => {
        const known = await fetch(`${base}/layers/${layer.checksum}`, { method: "HEAD", headers: auth });
        if (known.ok) return;
        // Held for another app (the same runtime, to the byte): shown to be held here, not sent.
        const challenge = known.headers.get(LAYER_CHALLENGE_HEADER);
        if (challenge) {
          const proof = (await layerProof(challenge, createReadStream(layer.path, { highWaterMark: 1024 * 1024 }))).toString("hex");
          const proved = await fetch(`${base}/layers/${layer.checksum}/proof`, {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify({ proof }),
          });
          if (proved.ok) return;
        }
        const stored = (await (await call("PUT", "layers", streamBody(layer.path))).json()) as { checksum: string };
        if (stored.checksum !== layer.checksum) throw new Error(`the API stored a layer as ${stored.checksum}, the builder packed ${layer.checksum}`);
      }));
      const query = lowers.length > 0 ? `?layers=${lowers.map((l) => l.checksum).join(",")}` : "";
      const top = layers[layers.length - 1]!;
      const response = await call("PUT", `slug${query}`, streamBody(top.path));
      const stored = (await response.json()) as { checksum: string; size: number; layers?: string[] };
      const storedTop = stored.layers ? stored.layers[stored.layers.length - 1] : stored.checksum;
      if (storedTop !== top.checksum) throw new Error(`the API stored the slug's top layer as ${storedTop}, the builder packed ${top.checksum}`);
      return stored;
    },
    openOutput() {
      return openOutput((body) => call("POST", "output", body));
    },
    async postResult(result) {
      await call("POST", "result", { body: JSON.stringify(result), headers: { "content-type": "application/json" } });
    },
  };
}

/** The builder worker's calls: a build's dyno, started, watched, and reported when it ended without a result. */
export interface BuilderApi {
  startDyno(buildId: string): Promise<BuildDyno>;
  dyno(buildId: string): Promise<BuildDyno>;
  dynoEnded(buildId: string): Promise<BuildDyno>;
}

/** The build no longer exists (its app was deleted): there is nothing left to watch. */
export class BuildGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildGoneError";
  }
}

export function createBuilderApi(options: { apiUrl: string; token: string }): BuilderApi {
  const base = `${options.apiUrl.replace(/\/+$/, "")}/internal/builds`;
  async function call(method: string, path: string): Promise<BuildDyno> {
    const response = await fetch(`${base}/${path}`, { method, headers: { authorization: `Bearer ${options.token}` } });
    const text = await response.text();
    const what = `${method} /internal/builds/${path} answered ${response.status} ${text}`.trim();
    // Only the API's own answer for a build that no longer exists: any other 404 (a route an
    // older API lacks) is an error to wait out, not the end of the build.
    if (response.status === 404 && /"Couldn't find that build/.test(text)) throw new BuildGoneError(what);
    if (!response.ok) throw new Error(what);
    return BuildDynoSchema.parse(JSON.parse(text));
  }
  return {
    startDyno: (buildId) => call("POST", `${buildId}/dyno`),
    dyno: (buildId) => call("GET", `${buildId}/dyno`),
    dynoEnded: (buildId) => call("POST", `${buildId}/dyno/ended`),
  };
}

function nodeStream(response: Response): Readable {
  if (!response.body) return Readable.from([]);
  return Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
}

// One chunked request body held open for the whole build, so output reaches the pusher while
// the build runs. If the API drops it, the build goes on; the loss shows in close().
function openOutput(send: (init: RequestInit) => Promise<Response>): BuildOutput {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      open = false;
    },
  });
  const sent = send({ body, duplex: "half", headers: { "content-type": "text/plain; charset=utf-8" } } as RequestInit);
  const settled = sent.then(
    () => undefined,
    (error: unknown) => {
      open = false;
      return error;
    },
  );
  return {
    write(text) {
      if (open && text !== "") controller.enqueue(encoder.encode(text));
    },
    async close() {
      if (open) controller.close();
      open = false;
      const error = await settled;
      if (error) throw error;
    },
  };
}
