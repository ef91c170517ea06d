// The CLI's public surface for tests and other tools; the process entry is main.ts.
export { ApiClient } from "./api-client.ts";
export { resolveConfig, type CliConfig } from "./config.ts";
export { type AuditEntry, summarizeAudit } from "./commands/audit/summary.ts";
export { ApiError, ApiUnreachableError, CliError, describeError } from "./errors.ts";
export { appFromGitUrl, resolveApp, setRemote, withCredentials } from "./git.ts";
export { ago, createPrinter, formatTime, type Printer } from "./printer.ts";
export { parseScaleArgs, parseTypeArgs, resolveScale, ScaleArgumentError, type ScaleChange } from "./scale.ts";
export type * from "./types.ts";
