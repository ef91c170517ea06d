// The cron service's side of the Platform API, with the system user's key.
import { CronSchedulesSchema, type CronSchedule } from "../../platform/lib/cron-contract.ts";

/** A call that failed; `retryable` only when the API cannot have acted on it. */
export class CronApiError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = "CronApiError";
    this.retryable = retryable;
  }
}

export interface StartedDyno {
  id: string;
  name: string;
}

export interface CronApi {
  schedules(): Promise<CronSchedule[]>;
  /** Starts a one-off `scheduler` dyno of the app's current release. */
  runDyno(app: string, command: string): Promise<StartedDyno>;
}

// Refused connections never reached the API; anything later might have started a dyno.
const UNREACHED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

export function createCronApi(options: { apiUrl: string; apiKey: string }): CronApi {
  const base = options.apiUrl.replace(/\/+$/, "");

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: "application/vnd.heroku+json; version=3",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? "";
      throw new CronApiError(`${method} ${path}: ${code || cause?.message || (error as Error).message}`, UNREACHED.has(code));
    }
    const text = await response.text();
    if (!response.ok) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      // 503: the API (or the router before it) refused before acting.
      throw new CronApiError(`${method} ${path} answered ${response.status}: ${message}`.trim(), response.status === 503);
    }
    return text === "" ? undefined : JSON.parse(text);
  }

  return {
    async schedules() {
      const parsed = CronSchedulesSchema.safeParse(await call("GET", "/cron-schedules"));
      if (!parsed.success) throw new CronApiError(`GET /cron-schedules: unexpected answer: ${parsed.error.issues[0]?.message}`, false);
      return parsed.data;
    },
    async runDyno(app, command) {
      const dyno = (await call("POST", `/apps/${encodeURIComponent(app)}/dynos`, { command, type: "scheduler" })) as StartedDyno;
      return { id: String(dyno?.id ?? ""), name: String(dyno?.name ?? "scheduler") };
    },
  };
}
