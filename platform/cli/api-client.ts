// A small Platform API client over fetch: JSON in, JSON out, API errors as ApiError.
import { createReadStream, statSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import { ApiError, ApiUnreachableError, CliError } from "./errors.ts";
import type { FormationPlanResource } from "../lib/plan-contract.ts";
import type { App, Build, Dyno, Formation, LogSession, Release, Slug, StrategyName, StrategySetting } from "./types.ts";

export interface ApiClientOptions {
  url: string;
  key: string | undefined;
  keyFile: string;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export class ApiClient {
  readonly url: string;
  readonly #key: string | undefined;
  readonly #keyFile: string;

  constructor(options: ApiClientOptions) {
    this.url = options.url;
    this.#key = options.key;
    this.#keyFile = options.keyFile;
  }

  /** The API key; commands that embed it (git:remote, auth:token) ask for it here. */
  key(): string {
    if (this.#key) return this.#key;
    throw new CliError(
      `no API key found. Set OURO_API_KEY, or run npm run bootstrap, which writes ${this.#keyFile}`,
    );
  }

  /**
   * A request; a list that comes in pages (206 with `Next-Range`) is read to its end, unless a
   * `range` is given: then only the page it names.
   */
  async request<T>(method: Method, path: string, body?: unknown, range?: string, follow = range === undefined): Promise<T> {
    const response = await this.#fetch(this.#url(path), {
      method,
      headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...(range === undefined ? {} : { Range: range }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = await this.#json<T>(response, method, path);
    const next = response.headers.get("next-range");
    if (!follow || method !== "GET" || next === null || !Array.isArray(parsed)) return parsed;
    return [...parsed, ...(await this.request<unknown[]>(method, path, undefined, next, true))] as T;
  }

  async #json<T>(response: Response, method: Method, path: string): Promise<T> {
    const text = await this.#read(() => response.text());
    if (text === "") return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      const type = response.headers.get("content-type") ?? "no content type";
      const what = `${this.url} answered ${method} ${path} with something that is not JSON (HTTP ${response.status}, ${type})`;
      throw new ApiError(`${what}. Is OURO_API_URL the Ouro API?`, response.status, "invalid_response");
    }
  }

  /** Streams a text body (a log session's logplex_url, a build's output_stream_url) as a Node stream. */
  async stream(url: string): Promise<Readable> {
    const target = this.#url(url);
    const response = await this.#fetch(target, { method: "GET" });
    if (!response.body) return Readable.from([]);
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
    const text = new PassThrough();
    // A connection lost midway fails the stream with a message, not undici's "terminated".
    body.on("error", (err) => text.destroy(new CliError(`the stream from ${target.origin} broke off: ${errorReason(err)}`)));
    // Destroying the stream closes the connection too: its open socket would keep the CLI from exiting.
    text.once("close", () => body.destroy());
    return body.pipe(text);
  }

  #url(path: string): URL {
    try {
      return new URL(path, this.url);
    } catch {
      throw new CliError(`the API URL ${JSON.stringify(this.url)} is not a valid URL. Check OURO_API_URL (e.g. http://127.0.0.1:5000).`);
    }
  }

  /** Any failure to reach the API or read its answer is the API not answering, said in one way. */
  async #read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      // A refused connection is what "not answering" says already; anything else is worth naming.
      const refused = (err as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";
      throw new ApiUnreachableError(this.url, refused ? undefined : errorReason(err));
    }
  }

  /** Uploads a file to a URL that is its own credential (a source's put_url), streamed. */
  async upload(url: string, file: string): Promise<void> {
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    await this.#fetch(this.#url(url), { method: "PUT", headers: { "Content-Length": String(statSync(file).size) }, body });
  }

  async #fetch(url: URL, init: { method: Method; headers?: Record<string, string>; body?: string | ReadableStream<Uint8Array> }) {
    const headers: Record<string, string> = {
      Accept: "application/vnd.heroku+json; version=3",
      ...init.headers,
    };
    // Only our own API gets the key; a logplex_url elsewhere carries its own credentials.
    if (url.origin === this.#url("/").origin) headers.Authorization = `Bearer ${this.key()}`;
    const streamed = typeof init.body === "object" ? { duplex: "half" } : {};
    const response = await this.#read(() => fetch(url, { method: init.method, headers, body: init.body, ...streamed } as RequestInit));
    if (!response.ok) throw await toApiError(response, (work) => this.#read(work));
    return response;
  }

  // The Platform API routes the CLI uses, named after the resources they answer with.
  apps = (all = false) => this.request<App[]>("GET", all ? "/apps?all=true" : "/apps");
  app = (app: string) => this.request<App>("GET", `/apps/${enc(app)}`);
  createApp = (name?: string) => this.request<App>("POST", "/apps", name ? { name } : {});
  destroyApp = (app: string) => this.request<App>("DELETE", `/apps/${enc(app)}`);
  configVars = (app: string) => this.request<Record<string, string>>("GET", `/apps/${enc(app)}/config-vars`);
  updateConfigVars = (app: string, changes: Record<string, string | null>) =>
    this.request<Record<string, string>>("PATCH", `/apps/${enc(app)}/config-vars`, changes);
  formation = (app: string) => this.request<Formation[]>("GET", `/apps/${enc(app)}/formation`);
  updateFormation = (app: string, updates: { type: string; quantity?: number; size?: string }[]) =>
    this.request<Formation[]>("PATCH", `/apps/${enc(app)}/formation`, { updates });
  /** Every release, oldest first; or the newest N, newest first. */
  releases = (app: string, newest?: number) =>
    this.request<Release[]>("GET", `/apps/${enc(app)}/releases`, undefined, newest === undefined ? undefined : `version ..; max=${newest}, order=desc`);
  release = (app: string, idOrVersion: string) =>
    this.request<Release>("GET", `/apps/${enc(app)}/releases/${enc(idOrVersion)}`);
  /** A new release of an earlier one's slug and config. */
  rollback = (app: string, releaseId: string) => this.request<Release>("POST", `/apps/${enc(app)}/releases`, { release: releaseId });
  builds = (app: string) => this.request<Build[]>("GET", `/apps/${enc(app)}/builds`);
  build = (app: string, id: string) => this.request<Build>("GET", `/apps/${enc(app)}/builds/${enc(id)}`);
  /** A place to upload a source tarball to (put_url), and the URL to build it from (get_url). */
  createSource = (app: string) => this.request<{ source_blob: { get_url: string; put_url: string } }>("POST", `/apps/${enc(app)}/sources`);
  createBuild = (app: string, source: { url: string; version?: string }) =>
    this.request<Build>("POST", `/apps/${enc(app)}/builds`, { source_blob: source });
  dynos = (app: string) => this.request<Dyno[]>("GET", `/apps/${enc(app)}/dynos`);
  /** Every dyno, or a process type's (`web`) or one dyno's (`web.1`). */
  restartDynos = (app: string, dyno?: string) =>
    this.request<unknown>("DELETE", `/apps/${enc(app)}/dynos${dyno === undefined ? "" : `/${enc(dyno)}`}`);
  stopDynos = (app: string, dyno: string) => this.request<unknown>("POST", `/apps/${enc(app)}/dynos/${enc(dyno)}/actions/stop`);
  formationPlan = (app: string) => this.request<FormationPlanResource>("GET", `/apps/${enc(app)}/formation-plan`);
  strategy = (app: string) => this.request<StrategySetting>("GET", `/apps/${enc(app)}/strategy`);
  setStrategy = (app: string, change: { strategy: StrategyName; batch?: number }) =>
    this.request<StrategySetting>("PUT", `/apps/${enc(app)}/strategy`, change);
  slug = (app: string, id: string) => this.request<Slug>("GET", `/apps/${enc(app)}/slugs/${enc(id)}`);
  createLogSession = (
    app: string,
    options: { lines?: number; tail?: boolean; dyno?: string; source?: string },
  ) => this.request<LogSession>("POST", `/apps/${enc(app)}/log-sessions`, options);
}

const enc = encodeURIComponent;

/** fetch fails with "fetch failed"; what went wrong is in its cause (`connect ECONNREFUSED …`). */
function errorReason(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

async function toApiError(response: Response, read: (work: () => Promise<string>) => Promise<string>): Promise<ApiError> {
  const text = await read(() => response.text());
  try {
    const body = JSON.parse(text) as { id?: unknown; message?: unknown };
    if (typeof body.message === "string") {
      return new ApiError(body.message, response.status, typeof body.id === "string" ? body.id : "unknown");
    }
  } catch {
    // not JSON: fall through to the status line
  }
  // A proxy's HTML error page says nothing useful on a terminal; plain text may.
  const plain = (response.headers.get("content-type") ?? "").startsWith("text/plain");
  const detail = plain && text.trim() ? `: ${text.trim().slice(0, 200)}` : "";
  return new ApiError(`HTTP ${response.status} ${response.statusText}${detail}`, response.status, "unknown");
}
