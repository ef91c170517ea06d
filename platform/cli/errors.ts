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
  constructor(url: string) {
    super(`the Ouro API at ${url} is not answering. Is the platform running? (npm run bootstrap)`);
    this.name = "ApiUnreachableError";
    this.url = url;
  }
}

const USER_FACING = new Set(["CliError", "ApiError", "ApiUnreachableError", "ScaleArgumentError"]);

/** The one line shown for an error; unexpected errors keep their stack for a bug report. */
export function describeError(err: unknown): string {
  if (err instanceof Error && USER_FACING.has(err.name)) return `Error: ${err.message}`;
  if (err instanceof Error) return `Error: ${err.stack ?? err.message}`;
  return `Error: ${String(err)}`;
}
