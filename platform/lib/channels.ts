// The Redis keys and channels the kernel's processes talk through: the API and
// bootstrap announce, the dyno manager and the router listen. One name, one place.

/** An app's desired state changed (release, formation, one-off dyno): payload is the app's name. */
export const FORMATION_CHANNEL = "ouro:formation:changed";
/** A build stored a slug: the payload is its checksum, which the dyno manager unpacks ahead of its release. */
export const SLUG_CHANNEL = "ouro:slugs:stored";
/**
 * Restart one dyno (`ps:restart web.1`): the payload is `<app>/<dyno>`. Restarting a process type
 * or every dyno is a change of the desired model instead (a new generation, FORMATION_CHANNEL).
 */
export const RESTART_CHANNEL = "ouro:dynos:restart";
export const restartMessage = (app: string, dyno: string) => `${app}/${dyno}`;
export function parseRestartMessage(message: string): { app: string; dyno: string } | undefined {
  const [app, dyno, ...rest] = message.split("/");
  return app && dyno && rest.length === 0 ? { app, dyno } : undefined;
}

/**
 * An attached one-off dyno's terminal changed size (the client's window did): the payload is a
 * ResizeMessage as JSON (platform/lib/run-contract.ts), which the dyno manager applies.
 */
export const RESIZE_CHANNEL = "ouro:dynos:resize";

/** A standby build dyno was taken by a build, or closed: a list its API request waits on (BLPOP), pushed to wake it. */
export const standbyKey = (runId: string) => `ouro:standby:${runId}`;

/** The set of app names that exist: the router answers 503, not 404, for these. */
export const APPS_KEY = "ouro:apps";
export const APPS_CHANNEL = "ouro:apps:changed";
/** Hash app → JSON list of "ip:port" of its up web dynos, written by the dyno manager. */
export const ROUTES_KEY = "ouro:routes";
export const ROUTES_CHANNEL = "ouro:routes:changed";
