// What `ouro system:upgrade` needs from bootstrap: pushing system apps from a checkout.
export { pushSystemApp, currentSlug, type SystemPushResult } from "./system-push.ts";
export { SYSTEM_APPS, presentSystemApps } from "./system-source.ts";
