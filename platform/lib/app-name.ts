import { invalidParams } from "./errors.ts";

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
