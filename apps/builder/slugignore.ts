// `.slugignore`: gitignore-like patterns of files the slug does not need (tests, docs, sources
// a build step compiled). They are removed from the build dir after the buildpacks ran and
// before the slug is packed.
import { lstat, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

interface Rule {
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

/** Parses .slugignore text: `#` comments, `!` re-includes, `/` anchors, a trailing `/` means directories. */
export function parseSlugignore(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    if (line.startsWith("\\")) line = line.slice(1); // "\#file", "\!file"
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.replace(/\/+$/, "");
    // A pattern with a slash before its end is relative to the root; otherwise it matches a name at any depth.
    const anchored = line.includes("/");
    line = line.replace(/^\/+/, "");
    if (line === "") continue;
    rules.push({ regex: new RegExp(`^${anchored ? "" : "(?:.*/)?"}${globToRegex(line)}$`), negate, dirOnly });
  }
  return rules;
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) out += escape(glob[++i] as string);
    else out += escape(c);
  }
  return out;
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Whether a path (relative, "/"-separated) is ignored; the last matching rule wins, as in git. */
export function isIgnored(rules: Rule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(path)) ignored = !rule.negate;
  }
  return ignored;
}

/** Removes what BUILD_DIR/.slugignore names; returns the removed paths (a directory counts once). */
export async function applySlugignore(buildDir: string): Promise<string[] | null> {
  const text = await readFile(join(buildDir, ".slugignore"), "utf8").catch(() => null);
  if (text === null) return null;
  const rules = parseSlugignore(text);
  const removed: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const rel = prefix + name;
      if (rel === ".slugignore") continue;
      const path = join(dir, name);
      const info = await lstat(path); // a symlink is removed as itself, never followed
      if (isIgnored(rules, rel, info.isDirectory())) {
        await rm(path, { recursive: true, force: true });
        removed.push(info.isDirectory() ? `${rel}/` : rel);
      } else if (info.isDirectory()) {
        await walk(path, `${rel}/`);
      }
    }
  }
  await walk(buildDir, "");
  return removed;
}
