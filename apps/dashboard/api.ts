// The Platform API, called with the signed-in user's own key: the dashboard sees and does only
// what that key may. A refusal keeps the API's status and message, to be shown as it is.
import { Readable } from "node:stream";

export class ApiRefusal extends Error {
  readonly status: number;
  readonly id: string;
  constructor(status: number, id: string, message: string) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

export interface Api {
  /** `range`: Heroku's list Range header (`created_at ..; order=desc, max=1`). */
  get<T>(path: string, range?: string): Promise<T>;
  send<T>(method: "POST" | "PATCH" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T>;
  /**
   * The text at a stream URL the API handed out (a build's output_stream_url, a log session's
   * logplex_url), read from the API the dashboard knows: only the URL's path and query are
   * kept, so a URL can never send the dashboard to another host.
   */
  stream(url: string, signal: AbortSignal): Promise<Readable>;
}

const ACCEPT = "application/vnd.heroku+json; version=3";

export function createApi(apiUrl: string, key: string): Api {
  const headers = { Accept: ACCEPT, Authorization: `Bearer ${key}` };

  async function call<T>(method: string, path: string, body?: unknown, range?: string): Promise<T> {
    const response = await fetch(new URL(path, apiUrl), {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...(range ? { Range: range } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw refusal(response.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    get: (path, range) => call("GET", path, undefined, range),
    send: (method, path, body) => call(method, path, body),
    async stream(url, signal) {
      const given = new URL(url);
      // The API's own origin with the given path and query: a path like `//elsewhere/x` stays a path.
      const at = new URL(apiUrl);
      at.pathname = given.pathname;
      at.search = given.search;
      const response = await fetch(at, { headers: { Accept: "text/plain" }, signal });
      if (!response.ok || !response.body) throw refusal(response.status, await response.text().catch(() => ""));
      return Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    },
  };
}

/** The API's refusal, with its message when it sent one (a proxy's HTML error page has none). */
function refusal(status: number, text: string): ApiRefusal {
  let error: { id?: string; message?: string } = {};
  try {
    error = JSON.parse(text) as typeof error;
  } catch {
    // Not the API's JSON: the status says it.
  }
  return new ApiRefusal(status, error.id ?? "error", error.message ?? `The API answered ${status}.`);
}

/** The path segment for a name the user gave (an app's, a config var's). */
export const seg = (value: string) => encodeURIComponent(value);
