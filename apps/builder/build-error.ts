// A build failed for a reason the app's owner can fix; the message says how. It crosses the
// queue as a failed BuildResult, so callers match it by `name`, not `instanceof`.
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

export function isBuildError(error: unknown): error is BuildError {
  return error instanceof Error && error.name === "BuildError";
}
