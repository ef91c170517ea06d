// Config vars: the rule for their names and values, shared by the API (config:set,
// one-off dyno env), the build queue contract and whatever else hands them to a dyno.
import { z } from "zod";

/** A shell variable name: what a process environment can carry and `ENV_DIR` can name. */
export const CONFIG_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A value's limit, as on Heroku (32 KB for one var). */
export const MAX_CONFIG_VALUE_BYTES = 32 * 1024;

/** Why `name` cannot be a config var, or undefined when it can. */
export function configVarNameError(name: string): string | undefined {
  if (CONFIG_VAR_NAME.test(name)) return undefined;
  return `Config var name ${JSON.stringify(name)} is invalid: use letters, digits and "_", not starting with a digit.`;
}

/** Why `value` cannot be the value of `name`, or undefined when it can. */
export function configVarValueError(name: string, value: string): string | undefined {
  // A process environment is NUL-terminated strings: such a value cannot reach a dyno whole.
  if (value.includes("\0")) return `Config var ${name} contains a NUL byte, which no process environment can hold.`;
  if (Buffer.byteLength(value) > MAX_CONFIG_VALUE_BYTES) {
    return `Config var ${name} is ${Buffer.byteLength(value)} bytes; a value may be at most ${MAX_CONFIG_VALUE_BYTES} bytes.`;
  }
  return undefined;
}

/** Config vars as a schema: names and values checked by the rules above. */
export const ConfigVarsSchema = z.record(z.string(), z.string()).superRefine((vars, check) => {
  for (const [name, value] of Object.entries(vars)) {
    const error = configVarNameError(name) ?? configVarValueError(name, value);
    if (error) check.addIssue({ code: "custom", message: error, path: [name] });
  }
});
