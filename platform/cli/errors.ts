// Errors the CLI shows to the user as `Error: <message>` and exits 1 on. Matched by name, not
// instanceof, like every error that may cross a module boundary.

/** A mistake in how the CLI was called or where it was run; the message says what to do. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** The API answered with an error; `message` is the API's own, shown as it is. */
export class ApiError extends Error {
  readonly status: number;
  readonly id: string;
  constructor(message: string, status: number, id: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.id = id;
  }
}

export class ApiUnreachableError extends Error {
  readonly url: string;
  /** `reason`: what the connection attempt said (`connect ECONNREFUSED 127.0.0.1:5000`), when known. */
  constructor(url: string, reason?: string) {
    super(`the Ouro API at ${url} is not answering${reason ? ` (${reason})` : ""}. Is the platform running? (npm run bootstrap)`);
    this.name = "ApiUnreachableError";
    this.url = url;
  }
}

const USER_FACING = new Set(["CliError", "ApiError", "ApiUnreachableError", "ScaleArgumentError"]);

/** Set OURO_DEBUG=1 to see where an error came from. */
export const DEBUG_HINT = "(an unexpected error: run again with OURO_DEBUG=1 to see where it came from)";

/**
 * What the user sees for an error: `Error: <message>`, never a stack trace. An error the CLI
 * did not expect gets a hint on a second line; with `debug` (OURO_DEBUG) every error shows its stack.
 */
export function describeError(err: unknown, opts: { debug?: boolean } = {}): string {
  if (!(err instanceof Error)) return `Error: ${String(err)}`;
  const line = `Error: ${err.message || err.name}`;
  if (opts.debug) {
    const cause = err.cause instanceof Error ? [`Caused by: ${err.cause.message}`, ...frames(err.cause)] : [];
    return [line, ...frames(err), ...cause].join("\n");
  }
  return USER_FACING.has(err.name) ? line : `${line}\n${DEBUG_HINT}`;
}

const frames = (err: Error) => (err.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
