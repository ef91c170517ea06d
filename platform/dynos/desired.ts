// The desired model's dynos, from an app's target release and formation (platform/db's
// DesiredApp). Pure: the dyno manager and the API's plan read the same slots.
import type { DesiredApp } from "../db/index.ts";
import { DEFAULT_DYNO_SIZE } from "../lib/dyno-sizes.ts";
import type { DesiredDyno } from "./model.ts";

type Source = Pick<DesiredApp, "release" | "slugChecksum" | "processTypes" | "config">;

/**
 * Where each process type's dynos come from. A deploying release brings its web dynos only: the
 * others run on from the current release until the web dynos are up and it succeeds, so a release
 * that fails never ran its workers, and a type it drops keeps running until then.
 */
function sources(model: DesiredApp): Record<string, Source> {
  const bySource: Record<string, Source> = {};
  const current = model.releaseStatus === "deploying" ? model.current : undefined;
  if (current) for (const type of Object.keys(current.processTypes)) if (type !== "web") bySource[type] = current;
  for (const type of Object.keys(model.processTypes)) if (!current || type === "web") bySource[type] = model;
  delete bySource.release;
  return bySource;
}

/**
 * The formation's quantities, and for a type the release brings that the formation does not have
 * yet (a release's process types join the formation only when it succeeds), what it will start
 * with: `web` 1, others 0, as on Heroku.
 */
export function quantities(model: DesiredApp): Record<string, number> {
  return Object.fromEntries(Object.keys(sources(model)).map((type) => [type, model.formation[type] ?? (type === "web" ? 1 : 0)]));
}

export function desiredDynos(model: DesiredApp): DesiredDyno[] {
  const dynos: DesiredDyno[] = [];
  const bySource = sources(model);
  for (const [type, quantity] of Object.entries(quantities(model))) {
    const source = bySource[type]!;
    const size = model.sizes[type] ?? DEFAULT_DYNO_SIZE;
    const generation = model.generations[type] ?? 0;
    for (let index = 1; index <= quantity; index++) {
      dynos.push({
        app: model.app,
        appId: model.appId,
        release: source.release,
        type,
        index,
        command: source.processTypes[type]!,
        env: source.config,
        slugChecksum: source.slugChecksum,
        size,
        generation,
      });
    }
  }
  return dynos;
}
