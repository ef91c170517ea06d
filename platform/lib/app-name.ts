import { invalidParams } from "./errors.ts";
import { SYSTEM_APPS } from "./system-apps.ts";

export const APP_NAME_RULE = /^[a-z][a-z0-9-]{1,29}$/;

/** App names become host names and container names, hence the strict rule. */
export function parseAppName(name: unknown): string {
  if (typeof name !== "string" || !APP_NAME_RULE.test(name)) {
    throw invalidParams(
      `Name ${JSON.stringify(name)} is invalid: an app name starts with a lowercase letter, ` +
        `then 1 to 29 lowercase letters, digits or dashes (${APP_NAME_RULE.source}).`,
    );
  }
  return name;
}

/** A name a user may give a new app: a valid one that is not a system app's. */
export function parseNewAppName(name: unknown): string {
  const parsed = parseAppName(name);
  if ((SYSTEM_APPS as readonly string[]).includes(parsed)) throw invalidParams(`Name ${parsed} is taken by one of Ouro's own apps; choose another.`);
  return parsed;
}
