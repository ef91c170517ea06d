// The Redis keys and channels the kernel's processes talk through: the API and
// bootstrap announce, the dyno manager and the router listen. One name, one place.

/** An app's desired state changed (release, formation, one-off dyno): payload is the app's name. */
export const FORMATION_CHANNEL = "ouro:formation:changed";
/** Restart every dyno of the app named in the payload (`ps:restart`). */
export const RESTART_CHANNEL = "ouro:dynos:restart";

/** The set of app names that exist: the router answers 503, not 404, for these. */
export const APPS_KEY = "ouro:apps";
export const APPS_CHANNEL = "ouro:apps:changed";
/** Hash app → JSON list of "ip:port" of its up web dynos, written by the dyno manager. */
export const ROUTES_KEY = "ouro:routes";
export const ROUTES_CHANNEL = "ouro:routes:changed";
