// Process types: `default_process_types` from the buildpack's bin/release, overridden per
// type by the app's Procfile.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseProcfile } from "../../platform/lib/procfile.ts";
import { BuildError } from "./build-error.ts";

// bin/release prints a small YAML document; only the `default_process_types` mapping of
// `type: command` lines matters here, so a line parser is enough.
export function parseDefaultProcessTypes(yaml: string): Record<string, string> {
  const types: Record<string, string> = {};
  let inside = false;
  for (const line of yaml.split(/\r?\n/)) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const indented = /^\s/.test(line);
    if (!indented) {
      inside = /^default_process_types\s*:\s*(\{\s*\}|~|null)?\s*$/.test(line);
      continue;
    }
    if (!inside) continue;
    const match = /^\s+([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(line);
    if (match?.[1] && match[2]) types[match[1]] = unquote(match[2].trim());
  }
  return types;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\])/g, "$1");
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return value.slice(1, -1).replace(/''/g, "'");
  }
  return value;
}

export async function resolveProcessTypes(buildDir: string, defaults: Record<string, string>): Promise<Record<string, string>> {
  const text = await readFile(join(buildDir, "Procfile"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  let declared: Record<string, string> = {};
  if (text !== null) {
    try {
      declared = parseProcfile(text);
    } catch (error) {
      if (error instanceof Error && error.name === "ProcfileError") throw new BuildError(error.message);
      throw error;
    }
  }
  const types = { ...defaults, ...declared };
  if (Object.keys(types).length === 0) {
    throw new BuildError(
      'No process types: add a Procfile to the root of the app, with a line like "web: node server.js".',
    );
  }
  return types;
}
