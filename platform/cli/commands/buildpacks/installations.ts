// What the buildpacks:* commands share: reading and replacing an app's buildpack list, and
// Heroku's wording for the result.
import type { CliContext } from "../../command.ts";
import { CliError } from "../../errors.ts";

export interface BuildpackInstallation {
  ordinal: number;
  buildpack: { url: string; name: string };
}

export async function buildpackUrls(ctx: CliContext, app: string): Promise<string[]> {
  const list = await ctx.api.request<BuildpackInstallation[]>("GET", `/apps/${encodeURIComponent(app)}/buildpack-installations`);
  return list.sort((a, b) => a.ordinal - b.ordinal).map((i) => i.buildpack.url);
}

export async function replaceBuildpacks(ctx: CliContext, app: string, urls: string[]): Promise<string[]> {
  const list = await ctx.api.request<BuildpackInstallation[]>("PUT", `/apps/${encodeURIComponent(app)}/buildpack-installations`, {
    updates: urls.map((buildpack) => ({ buildpack })),
  });
  return list.sort((a, b) => a.ordinal - b.ordinal).map((i) => i.buildpack.url);
}

/** commander parser for `-i/--index`: 1-based. */
export function buildpackIndex(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new CliError("Invalid index. Must be greater than 0.");
  return n;
}

export function refuseDuplicate(urls: string[], url: string): void {
  if (urls.includes(url)) throw new CliError(`The buildpack ${url} is already set on your app.`);
}

/** `1. nodejs` lines, or the URL alone when there is one. */
export function listLines(urls: string[], indent = ""): string[] {
  return urls.length === 1 ? [`${indent}${urls[0]}`] : urls.map((url, i) => `${indent}${i + 1}. ${url}`);
}

export function printUpdate(ctx: CliContext, app: string, verb: "set" | "added" | "removed", urls: string[]): void {
  if (urls.length === 0) {
    ctx.print.line(`Buildpack ${verb}. Next release on ${app} will detect buildpacks normally.`);
  } else if (urls.length === 1) {
    ctx.print.line(`Buildpack ${verb}. Next release on ${app} will use ${urls[0]}.`);
    ctx.print.line(`Run git push ouro main to create a new release using this buildpack.`);
  } else {
    ctx.print.line(`Buildpack ${verb}. Next release on ${app} will use:`);
    for (const line of listLines(urls, "  ")) ctx.print.line(line);
    ctx.print.line(`Run git push ouro main to create a new release using these buildpacks.`);
  }
}

/** BUILDPACK_URL only counts when the app has no list (the builder's precedence); say so. */
export async function warnBuildpackUrl(ctx: CliContext, app: string, urls: string[]): Promise<void> {
  if (urls.length > 0) return;
  const value = (await ctx.api.configVars(app)).BUILDPACK_URL;
  if (value) ctx.print.note(`The BUILDPACK_URL config var is still set and will be used for the next release: ${value}`);
}
